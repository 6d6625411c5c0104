#!/usr/bin/env bash
# The handout: executed notebooks + the workshop's terminal steps + the summary table, as one
# self-contained HTML page under $KIT_OUT/handout/ (the name the issue tracker uses; the work is
# done by scripts/make-handout.sh, which takes the same arguments).
exec "$(dirname "${BASH_SOURCE[0]}")/make-handout.sh" "$@"
