//! The region → Linear Learner image table (`linear-learner-images.tsv`, compiled in): the one
//! copy the scripts (through `kit image REGION` / `kit settings`) and the notebooks (through
//! kernel-helpers) share. See the table's header for where each column comes from.

const TABLE: &str = include_str!("linear-learner-images.tsv");

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageRow {
    /// Region name, e.g. `eu-west-1`.
    pub region: &'static str,
    /// ECR registry account, `None` where SageMaker runs but publishes no Linear Learner image.
    pub account: Option<&'static str>,
    /// The partition's DNS suffix (`amazonaws.com`, `amazonaws.com.cn`, …).
    pub dns_suffix: &'static str,
    /// Image tag.
    pub tag: &'static str,
}

impl ImageRow {
    /// `<account>.dkr.ecr.<region>.<dns suffix>/linear-learner:<tag>`, if the region has an image.
    pub fn image(&self) -> Option<String> {
        self.account.map(|a| {
            format!(
                "{a}.dkr.ecr.{}.{}/linear-learner:{}",
                self.region, self.dns_suffix, self.tag
            )
        })
    }
}

/// Every row, in table order.
pub fn rows() -> impl Iterator<Item = ImageRow> {
    TABLE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut f = l.split('\t');
            let (region, account, dns_suffix, tag) = (f.next()?, f.next()?, f.next()?, f.next()?);
            Some(ImageRow {
                region,
                account: (account != "-").then_some(account),
                dns_suffix,
                tag,
            })
        })
}

/// The row of `region`, if SageMaker serves it.
pub fn row(region: &str) -> Option<ImageRow> {
    rows().find(|r| r.region == region)
}

/// The Linear Learner image of `region`, if the SDK publishes one there.
pub fn linear_learner_image(region: &str) -> Option<String> {
    row(region).and_then(|r| r.image())
}

/// The DNS suffix of `region`'s partition (by the partitions' region patterns for regions the
/// table does not list), e.g. for service hosts `api.sagemaker.<region>.<suffix>`.
pub fn dns_suffix(region: &str) -> &'static str {
    if let Some(r) = row(region) {
        return r.dns_suffix;
    }
    let p = |prefix: &str| region.starts_with(prefix);
    if p("cn-") {
        "amazonaws.com.cn"
    } else if p("us-isob-") {
        "sc2s.sgov.gov"
    } else if p("us-isof-") {
        "csp.hci.ic.gov"
    } else if p("us-iso-") {
        "c2s.ic.gov"
    } else if p("eu-isoe-") {
        "cloud.adc-e.uk"
    } else if p("eusc-") {
        "amazonaws.eu"
    } else {
        "amazonaws.com"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_completely_and_has_no_duplicates() {
        let all: Vec<ImageRow> = rows().collect();
        let body = TABLE
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .count();
        assert_eq!(all.len(), body, "a row without four tab-separated fields");
        let mut names: Vec<&str> = all.iter().map(|r| r.region).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all.len(), "duplicate region");
        for r in &all {
            if let Some(a) = r.account {
                assert!(
                    a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()),
                    "{r:?}"
                );
            }
        }
        // 37 regions with an image (the SDK's registries), 8 SageMaker regions without one.
        assert_eq!(all.iter().filter(|r| r.account.is_some()).count(), 37);
    }

    #[test]
    fn accounts_and_partitions() {
        assert_eq!(
            linear_learner_image("us-east-1").as_deref(),
            Some("382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1")
        );
        // Corrected: the old table had 364406365360 (the 2021 value, since changed in the SDK).
        assert_eq!(
            linear_learner_image("ap-northeast-3").as_deref(),
            Some("867004704886.dkr.ecr.ap-northeast-3.amazonaws.com/linear-learner:1")
        );
        assert_eq!(
            linear_learner_image("cn-north-1").as_deref(),
            Some("390948362332.dkr.ecr.cn-north-1.amazonaws.com.cn/linear-learner:1")
        );
        assert_eq!(
            linear_learner_image("us-gov-east-1").as_deref(),
            Some("237065988967.dkr.ecr.us-gov-east-1.amazonaws.com/linear-learner:1")
        );
        assert!(row("mx-central-1").is_some() && linear_learner_image("mx-central-1").is_none());
        assert!(row("xx-nowhere-1").is_none());
        assert_eq!(dns_suffix("cn-northwest-1"), "amazonaws.com.cn");
        assert_eq!(dns_suffix("cn-south-9"), "amazonaws.com.cn");
        assert_eq!(dns_suffix("eu-west-1"), "amazonaws.com");
    }
}
