#!/usr/bin/env bash
# Checks the handout the way an attendee sees it: renders out/handout/index.html in headless
# Chromium, checks that a non-blank PNG screenshot came out, and that the HTML holds the summary
# table, the notebooks' tables and their charts (inline SVG or PNG data URIs) and loads nothing
# from the network.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

html_file="$KIT_OUT/handout/index.html"
shot=""
experiments=1
while (($#)); do
  case "$1" in
    --screenshot)
      [[ $# -ge 2 ]] || kit_die "--screenshot needs a file name"
      shot="$2"
      shift
      ;;
    --no-experiments) experiments=0 ;;
    -h | --help)
      cat <<HELP
Usage: scripts/check-handout.sh [HTML] [--screenshot PNG] [--no-experiments]

Renders HTML (default \$KIT_OUT/handout/index.html) with headless Chromium (installs the Debian
package 'chromium' with apt-get when it is missing and we are root) into PNG (default next to the
HTML, screenshot.png), then checks: the PNG is valid and not blank; the HTML contains the summary
table, at least one other table, at least one chart (<svg or data:image/png), the MSE/MAE lines,
and no external scripts; and notebook 4 (unless --no-experiments, for a run without it): its
experiments table (from experiments.json), the notebook itself and at least 7 more charts.
Exits non-zero naming the first failed check.
HELP
      exit 0
      ;;
    -*) kit_die "unknown option '$1' (see --help)" ;;
    *) html_file="$1" ;;
  esac
  shift
done
[[ -f "$html_file" ]] || kit_die "no handout at $html_file: run scripts/make-handout.sh first"
html_file="$(cd "$(dirname "$html_file")" && pwd)/$(basename "$html_file")"
shot="${shot:-$(dirname "$html_file")/screenshot.png}"

browser=""
for b in chromium chromium-browser google-chrome; do
  if command -v "$b" >/dev/null 2>&1; then
    browser="$(command -v "$b")"
    break
  fi
done
if [[ -z "$browser" ]]; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    kit_log "installing chromium (apt-get install -y chromium)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y chromium >&2 || { apt-get update >&2 && apt-get install -y chromium >&2; } ||
      kit_die "could not install chromium with apt-get"
    browser="$(command -v chromium)"
  else
    kit_die "no Chromium found: install it (Debian: apt-get install -y chromium)"
  fi
fi

profile_dir="$(mktemp -d)"
trap 'rm -rf "$profile_dir"' EXIT
rm -f "$shot"
kit_log "rendering $html_file with $browser"
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile_dir" --screenshot="$shot" --window-size=1280,2000 \
  "file://$html_file" >"$profile_dir/chromium.log" 2>&1 || {
  tail -n 20 "$profile_dir/chromium.log" >&2
  kit_die "chromium failed to render $html_file"
}

"$(kit_python)" - "$html_file" "$shot" "$experiments" <<'PY'
import re, struct, sys, zlib
html_path, png_path, experiments = sys.argv[1], sys.argv[2], sys.argv[3] == "1"

def fail(msg):
    sys.exit(f"check-handout: FAILED: {msg}")

# --- the screenshot: a valid PNG of the asked size that is not one flat colour -------------
try:
    data = open(png_path, "rb").read()
except OSError as e:
    fail(f"no screenshot at {png_path} ({e})")
if data[:8] != b"\x89PNG\r\n\x1a\n":
    fail(f"{png_path} is not a PNG")
pos, chunks = 8, {}
idat = b""
while pos < len(data):
    (length,) = struct.unpack(">I", data[pos:pos + 4])
    kind = data[pos + 4:pos + 8]
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IDAT":
        idat += body
    chunks.setdefault(kind, body)
    pos += 12 + length
w, h, depth, ctype = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
if (w, h) != (1280, 2000):
    fail(f"screenshot is {w}x{h}, expected 1280x2000")
raw = zlib.decompress(idat)
bpp = {2: 3, 6: 4, 0: 1, 4: 2}.get(ctype)
if depth != 8 or bpp is None:
    fail(f"unexpected PNG format (depth {depth}, colour type {ctype})")
stride = w * bpp + 1
# Unfilter just enough to count distinct colours on a sample of rows (filters 0-4).
def unfilter(prev, line, f):
    out = bytearray(line)
    for i in range(len(out)):
        a = out[i - bpp] if i >= bpp else 0
        b = prev[i] if prev else 0
        c = prev[i - bpp] if prev and i >= bpp else 0
        if f == 1: out[i] = (out[i] + a) & 255
        elif f == 2: out[i] = (out[i] + b) & 255
        elif f == 3: out[i] = (out[i] + ((a + b) >> 1)) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            out[i] = (out[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    return bytes(out)
prev, colours, nonwhite_rows = None, set(), 0
for y in range(h):
    f = raw[y * stride]
    line = unfilter(prev, raw[y * stride + 1:(y + 1) * stride], f)
    prev = line
    if y % 10 == 0:
        px = {line[i:i + 3] for i in range(0, len(line), bpp * 4)}
        colours |= px
        if any(p != b"\xff\xff\xff" for p in px):
            nonwhite_rows += 1
if len(colours) < 8 or nonwhite_rows < 20:
    fail(f"screenshot looks blank ({len(colours)} colours, {nonwhite_rows} sampled rows with ink)")

# --- the HTML ----------------------------------------------------------------------------------
s = open(html_path, encoding="utf-8").read()
charts = re.findall(r"<svg\b", s) + re.findall(r'<img[^>]*\bsrc="data:image/(?:png|svg\+xml);base64,', s)
checks = [
    ("summary table", 'class="kit-summary"' in s),
    ("summary rows", "TrainingTimeInSeconds" in s and "BillableTimeInSeconds" in s),
    ("another table (a notebook's DataFrame)", len(re.findall(r"<table", s)) >= 2),
    ("a chart (inline SVG or an <img> with a PNG/SVG data URI)", len(charts) >= 1),
    ("the replicated MSE/MAE line", re.search(r"replicated: MSE=\S+ MAE=\S+", s) is not None),
    ("the sharded MSE/MAE line", re.search(r"sharded: MSE=\S+ MAE=\S+", s) is not None),
    ("no external scripts", re.search(r'<script[^>]*src="https?://', s) is None),
]
if experiments:
    nb4 = s.find("Notebook: 4-go-further.ipynb")
    exp_table = re.search(r'<table class="kit-experiments">(.*?)</table>', s, re.S)
    checks += [
        ("the experiments table (notebook 4's experiments.json)", exp_table is not None),
        ("the experiments table's rows (at least 2 jobs)", exp_table is not None and exp_table.group(1).count("<tr>") >= 3),
        ("notebook 4 (4-go-further.ipynb)", nb4 >= 0),
        ("notebook 4's charts (at least 7 after its heading)",
         nb4 >= 0 and len(re.findall(r"<svg\b|<img[^>]*\bsrc=\"data:image/(?:png|svg\+xml);base64,", s[nb4:])) >= 7),
    ]
bad = [name for name, ok in checks if not ok]
if bad:
    fail(f"{html_path} lacks: {', '.join(bad)}")
print(f"check-handout: ok: {png_path} {w}x{h}, {len(colours)} colours; "
      f"{len(re.findall(r'<table', s))} tables, {len(charts)} charts (inline SVG or data-URI images) in {html_path}")
PY
