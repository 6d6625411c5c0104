//! Column names and types of GDELT 1.0 event files.
//!
//! Exists so that every part of the kit spells the columns the same way as
//! GDELT's header files `CSV.header.historical.txt` / `CSV.header.dailyupdates.txt`
//! (<http://gdeltproject.org/data/lookups/CSV.header.historical.txt>; copies in
//! `testdata/gdelt/reference/`, checked by the test below).

/// The 57 columns of the historical files (1979–2013-03), in file order.
pub const HISTORICAL_COLUMNS: [&str; 57] = [
    "GLOBALEVENTID",
    "SQLDATE",
    "MonthYear",
    "Year",
    "FractionDate",
    "Actor1Code",
    "Actor1Name",
    "Actor1CountryCode",
    "Actor1KnownGroupCode",
    "Actor1EthnicCode",
    "Actor1Religion1Code",
    "Actor1Religion2Code",
    "Actor1Type1Code",
    "Actor1Type2Code",
    "Actor1Type3Code",
    "Actor2Code",
    "Actor2Name",
    "Actor2CountryCode",
    "Actor2KnownGroupCode",
    "Actor2EthnicCode",
    "Actor2Religion1Code",
    "Actor2Religion2Code",
    "Actor2Type1Code",
    "Actor2Type2Code",
    "Actor2Type3Code",
    "IsRootEvent",
    "EventCode",
    "EventBaseCode",
    "EventRootCode",
    "QuadClass",
    "GoldsteinScale",
    "NumMentions",
    "NumSources",
    "NumArticles",
    "AvgTone",
    "Actor1Geo_Type",
    "Actor1Geo_FullName",
    "Actor1Geo_CountryCode",
    "Actor1Geo_ADM1Code",
    "Actor1Geo_Lat",
    "Actor1Geo_Long",
    "Actor1Geo_FeatureID",
    "Actor2Geo_Type",
    "Actor2Geo_FullName",
    "Actor2Geo_CountryCode",
    "Actor2Geo_ADM1Code",
    "Actor2Geo_Lat",
    "Actor2Geo_Long",
    "Actor2Geo_FeatureID",
    "ActionGeo_Type",
    "ActionGeo_FullName",
    "ActionGeo_CountryCode",
    "ActionGeo_ADM1Code",
    "ActionGeo_Lat",
    "ActionGeo_Long",
    "ActionGeo_FeatureID",
    "DATEADDED",
];

/// The 58 columns of the daily-update files (2013-04-01 on): the 57 historical ones plus `SOURCEURL`.
pub const DAILY_COLUMNS: [&str; 58] = {
    let mut out = [""; 58];
    let mut i = 0;
    while i < 57 {
        out[i] = HISTORICAL_COLUMNS[i];
        i += 1;
    }
    out[57] = "SOURCEURL";
    out
};

/// 0-based column indexes of the columns the workshop uses.
pub mod idx {
    /// GLOBALEVENTID
    pub const GLOBALEVENTID: usize = 0;
    /// SQLDATE
    pub const SQLDATE: usize = 1;
    /// Actor1Code
    pub const ACTOR1_CODE: usize = 5;
    /// Actor2Code
    pub const ACTOR2_CODE: usize = 15;
    /// EventCode
    pub const EVENT_CODE: usize = 26;
    /// QuadClass
    pub const QUAD_CLASS: usize = 29;
    /// NumArticles
    pub const NUM_ARTICLES: usize = 33;
    /// AvgTone
    pub const AVG_TONE: usize = 34;
    /// Actor1Geo_Lat
    pub const ACTOR1_GEO_LAT: usize = 39;
    /// Actor1Geo_Long
    pub const ACTOR1_GEO_LONG: usize = 40;
    /// Actor2Geo_Lat
    pub const ACTOR2_GEO_LAT: usize = 46;
    /// Actor2Geo_Long
    pub const ACTOR2_GEO_LONG: usize = 47;
    /// DATEADDED
    pub const DATEADDED: usize = 56;
}

/// How a column is typed when read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// 64-bit integer (ids, dates, counts, classes, FeatureIDs of historical files).
    Int,
    /// 64-bit float (FractionDate, GoldsteinScale, AvgTone, Lat, Long).
    Float,
    /// String (codes with leading zeros, names, FIPS codes).
    Str,
}

/// The type of historical column `i` (0-based); `None` past the last column.
pub fn column_kind(i: usize) -> Option<ColumnKind> {
    use ColumnKind::*;
    Some(match i {
        0..=3 => Int,
        4 => Float,
        5..=24 => Str,
        25 => Int,
        26..=28 => Str,
        29 => Int,
        30 => Float,
        31..=33 => Int,
        34 => Float,
        // Geo blocks: Type, FullName, CountryCode, ADM1Code, Lat, Long, FeatureID.
        35 | 42 | 49 => Int,
        36..=38 | 43..=45 | 50..=52 => Str,
        39 | 40 | 46 | 47 | 53 | 54 => Float,
        41 | 48 | 55 => Int,
        56 => Int,
        _ => return None,
    })
}

/// The index of a historical column by exact name.
pub fn column_index(name: &str) -> Option<usize> {
    HISTORICAL_COLUMNS.iter().position(|c| *c == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_reference_header_files() {
        let dir = crate::test_support::real_dir();
        let hist = std::fs::read_to_string(dir.join("reference/CSV.header.historical.txt"))
            .expect("read historical header");
        let names: Vec<&str> = hist.trim_end().split('\t').collect();
        assert_eq!(names, HISTORICAL_COLUMNS.to_vec());
        let daily = std::fs::read_to_string(dir.join("reference/CSV.header.dailyupdates.txt"))
            .expect("read daily header");
        let names: Vec<&str> = daily.trim_end().split('\t').collect();
        assert_eq!(names, DAILY_COLUMNS.to_vec());
    }

    #[test]
    fn indexes_and_kinds() {
        assert_eq!(column_index("EventCode"), Some(idx::EVENT_CODE));
        assert_eq!(column_index("NumArticles"), Some(idx::NUM_ARTICLES));
        assert_eq!(column_index("AvgTone"), Some(idx::AVG_TONE));
        assert_eq!(column_index("Actor1Geo_Lat"), Some(idx::ACTOR1_GEO_LAT));
        assert_eq!(column_index("Actor1Geo_Long"), Some(idx::ACTOR1_GEO_LONG));
        assert_eq!(column_index("Actor2Geo_Lat"), Some(idx::ACTOR2_GEO_LAT));
        assert_eq!(column_index("Actor2Geo_Long"), Some(idx::ACTOR2_GEO_LONG));
        assert_eq!(column_index("SOURCEURL"), None);
        assert_eq!(column_kind(26), Some(ColumnKind::Str));
        assert_eq!(column_kind(34), Some(ColumnKind::Float));
        assert_eq!(column_kind(56), Some(ColumnKind::Int));
        assert_eq!(column_kind(57), None);
        assert_eq!((0..57).filter_map(column_kind).count(), 57);
    }
}
