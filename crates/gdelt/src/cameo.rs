//! CAMEO event codes the generator draws from, with their Goldstein scale values.
//!
//! Source: `testdata/gdelt/derived/eventcode_goldstein_quadclass_observed.csv` (real GDELT rows;
//! provenance in `testdata/gdelt/README.md`), the 152 codes seen in the real rows with their
//! (code → GoldsteinScale) mapping. In every real row each code had exactly one GoldsteinScale,
//! so the value is CAMEO's fixed Goldstein table, a pure function of EventCode. EventBaseCode,
//! EventRootCode and QuadClass are not stored: they follow from the code (3-digit prefix, 2-digit
//! prefix, root 01–05 → 1, 06–09 → 2, 10–14 → 3, 15–20 → 4), which holds for all 152 observed
//! codes (checked by `table_matches_observed_reference` below).
//!
//! The third value is the generator's draw weight in parts per million: the 25 most frequent
//! codes of the 322 real historical rows (`testdata/gdelt/derived/stats.json`,
//! `hist57_all` → `EventCode_top25`, 83% of those rows) share 78% of the mass in proportion to
//! their counts there, and the other 127 codes share the remaining 22% (a long tail a little
//! heavier than in that small sample, which holds only 66 distinct codes) in proportion to the
//! square root of how often they were observed in all real samples, each capped at 0.5% (the
//! observed counts are dominated by the conflict-only andeek and the modern daily samples, whose
//! frequent codes would otherwise enter the historical top 10).

/// (EventCode, GoldsteinScale as written in the files, weight in parts per million).
pub const CODES: &[(&str, &str, u32)] = &[
    ("010", "0", 69851),
    ("011", "-0.1", 2281),
    ("012", "-0.4", 14552),
    ("013", "0.4", 11642),
    ("014", "0", 3397),
    ("015", "0", 2649),
    ("016", "-2", 1648),
    ("017", "0", 2606),
    ("018", "3.4", 1578),
    ("019", "3.4", 673),
    ("020", "3", 46567),
    ("022", "3.2", 673),
    ("023", "3.4", 1259),
    ("0231", "3.4", 1165),
    ("0233", "3.4", 476),
    ("0234", "3.4", 476),
    ("0241", "-0.3", 824),
    ("0242", "-0.3", 476),
    ("025", "-0.3", 1259),
    ("0256", "-0.3", 673),
    ("026", "4", 3261),
    ("027", "4", 673),
    ("028", "4", 476),
    ("030", "4", 37836),
    ("031", "5.2", 1064),
    ("0311", "5.2", 1715),
    ("0312", "5.2", 476),
    ("032", "4.5", 1427),
    ("033", "5.2", 1165),
    ("0331", "5.2", 951),
    ("0332", "5.2", 476),
    ("0341", "7", 476),
    ("035", "7", 1346),
    ("0353", "7", 1504),
    ("036", "4", 34925),
    ("037", "5", 1064),
    ("038", "7", 476),
    ("039", "5", 673),
    ("040", "1", 96045),
    ("041", "1", 824),
    ("042", "1.9", 93134),
    ("043", "2.8", 72761),
    ("044", "2.5", 1504),
    ("045", "5", 1259),
    ("046", "7", 49478),
    ("050", "3.5", 11642),
    ("051", "3.4", 34925),
    ("052", "3.5", 476),
    ("053", "3.8", 476),
    ("055", "7", 1346),
    ("056", "7", 673),
    ("057", "8", 8731),
    ("060", "6", 3261),
    ("061", "6.4", 8731),
    ("062", "7.4", 1427),
    ("063", "7.4", 824),
    ("064", "7", 824),
    ("070", "7", 3654),
    ("071", "7.4", 3806),
    ("072", "8.3", 14552),
    ("073", "7.4", 2517),
    ("074", "8.5", 476),
    ("075", "7", 1842),
    ("080", "5", 17463),
    ("081", "5", 1165),
    ("0831", "5", 1427),
    ("0833", "5", 476),
    ("0834", "5", 476),
    ("084", "7", 3119),
    ("0841", "7", 11642),
    ("0842", "7", 476),
    ("085", "7", 673),
    ("086", "9", 673),
    ("0871", "9", 1259),
    ("0874", "10", 2180),
    ("090", "-2", 5000),
    ("091", "-2", 673),
    ("093", "-2", 476),
    ("100", "-5", 14552),
    ("101", "-5", 476),
    ("1013", "-5", 476),
    ("1014", "-5", 476),
    ("102", "-5", 476),
    ("1041", "-5", 476),
    ("1053", "-5", 476),
    ("1056", "-5", 673),
    ("110", "-2", 8731),
    ("111", "-2", 5000),
    ("112", "-2", 23284),
    ("1121", "-2", 1165),
    ("1122", "-2", 476),
    ("1123", "-2", 951),
    ("1124", "-2", 1346),
    ("114", "-2", 2231),
    ("115", "-2", 476),
    ("120", "-4", 14552),
    ("1233", "-4", 476),
    ("124", "-4", 824),
    ("1246", "-4", 476),
    ("125", "-5", 1259),
    ("127", "-5", 824),
    ("128", "-5", 951),
    ("129", "-5", 476),
    ("130", "-4.4", 3894),
    ("1312", "-5.8", 476),
    ("138", "-7", 2426),
    ("1383", "-7", 824),
    ("139", "-7", 951),
    ("140", "-6.5", 951),
    ("141", "-6.5", 2231),
    ("143", "-6.5", 476),
    ("145", "-7.5", 824),
    ("150", "-7.2", 1165),
    ("153", "-7.2", 1165),
    ("154", "-7.2", 8731),
    ("160", "-4", 2691),
    ("161", "-4", 476),
    ("162", "-5.6", 824),
    ("163", "-8", 1346),
    ("164", "-7", 824),
    ("170", "-7", 3496),
    ("171", "-9.2", 2426),
    ("1711", "-9.2", 3397),
    ("1712", "-9.2", 4588),
    ("172", "-5", 11642),
    ("1721", "-5", 4463),
    ("1722", "-5", 1165),
    ("1723", "-5", 2733),
    ("1724", "-5", 1648),
    ("173", "-5", 23284),
    ("174", "-5", 5000),
    ("175", "-9", 2562),
    ("180", "-9", 5000),
    ("181", "-9", 5000),
    ("182", "-9.5", 4898),
    ("1821", "-9", 1259),
    ("1822", "-9", 3261),
    ("1823", "-10", 2281),
    ("183", "-10", 3776),
    ("1831", "-10", 951),
    ("1832", "-10", 824),
    ("185", "-8", 2472),
    ("186", "-10", 5000),
    ("190", "-10", 40746),
    ("191", "-9.5", 4488),
    ("192", "-9.5", 5000),
    ("193", "-10", 5000),
    ("194", "-10", 5000),
    ("195", "-10", 5000),
    ("196", "-9.5", 951),
    ("201", "-9.5", 1346),
    ("202", "-10", 2426),
];

/// QuadClass of an EventCode from its 2-digit root (01–05 → 1, 06–09 → 2, 10–14 → 3, 15–20 → 4);
/// `None` for a malformed code.
pub fn quad_class(code: &str) -> Option<u8> {
    let root: u8 = code.get(..2)?.parse().ok()?;
    match root {
        1..=5 => Some(1),
        6..=9 => Some(2),
        10..=14 => Some(3),
        15..=20 => Some(4),
        _ => None,
    }
}

/// EventBaseCode: the 3-digit prefix.
pub fn base_code(code: &str) -> &str {
    code.get(..3).unwrap_or(code)
}

/// EventRootCode: the 2-digit prefix.
pub fn root_code(code: &str) -> &str {
    code.get(..2).unwrap_or(code)
}

/// GoldsteinScale of a code in [`CODES`].
pub fn goldstein(code: &str) -> Option<f64> {
    CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .and_then(|(_, g, _)| g.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_observed_reference() {
        let path = crate::test_support::real_dir()
            .join("derived/eventcode_goldstein_quadclass_observed.csv");
        let text = std::fs::read_to_string(&path).expect("read observed code table");
        let mut n = 0;
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let (code, base, root, qc, g) = (f[0], f[1], f[2], f[3], f[4]);
            assert_eq!(base_code(code), base, "{code}");
            assert_eq!(root_code(code), root, "{code}");
            assert_eq!(
                quad_class(code).map(|q| q.to_string()).as_deref(),
                Some(qc),
                "{code}"
            );
            let ours = goldstein(code).expect("code in table");
            let real: f64 = g.parse().expect("goldstein");
            assert!((ours - real).abs() < 1e-9, "{code}: {ours} vs {real}");
            n += 1;
        }
        assert_eq!(n, CODES.len());
    }

    #[test]
    fn weights_sum_to_about_a_million_with_a_22_percent_tail() {
        let total: u64 = CODES.iter().map(|c| u64::from(c.2)).sum();
        assert!((999_000..=1_001_000).contains(&total), "{total}");
        let top25 = [
            "040", "042", "043", "010", "046", "020", "190", "030", "051", "036", "112", "173",
            "080", "100", "072", "012", "120", "0841", "050", "172", "013", "061", "057", "110",
            "154",
        ];
        let top: u64 = CODES
            .iter()
            .filter(|c| top25.contains(&c.0))
            .map(|c| u64::from(c.2))
            .sum();
        assert!((779_000..=781_000).contains(&top), "{top}");
        assert_eq!(quad_class("0841"), Some(2));
        assert_eq!(quad_class("190"), Some(4));
        assert_eq!(quad_class("x"), None);
    }
}
