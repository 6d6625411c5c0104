//! The List* operations' common part: NameContains / StatusEquals / time filters, SortBy /
//! SortOrder, MaxResults and NextToken pagination.

use super::constraints::Checker;
use crate::api_error::JsonError;
use sagemaker_api::sagemaker::{
    ListEndpointConfigsInput, ListEndpointsInput, ListModelsInput, ListTrainingJobsRequest,
};

/// The members the List* requests share (each request type has the ones its operation allows).
#[derive(Debug, Clone, Default)]
pub(crate) struct ListQuery {
    pub max_results: Option<i32>,
    pub sort_by: Option<String>,
    pub sort_order: Option<String>,
    pub status_equals: Option<String>,
    pub name_contains: Option<String>,
    pub next_token: Option<String>,
    pub creation_time_after: Option<f64>,
    pub creation_time_before: Option<f64>,
    pub last_modified_time_after: Option<f64>,
    pub last_modified_time_before: Option<f64>,
}

impl From<&ListTrainingJobsRequest> for ListQuery {
    fn from(r: &ListTrainingJobsRequest) -> Self {
        Self {
            max_results: r.max_results,
            sort_by: r.sort_by.as_ref().map(|v| v.as_str().to_string()),
            sort_order: r.sort_order.as_ref().map(|v| v.as_str().to_string()),
            status_equals: r.status_equals.as_ref().map(|v| v.as_str().to_string()),
            name_contains: r.name_contains.clone(),
            next_token: r.next_token.clone(),
            creation_time_after: r.creation_time_after,
            creation_time_before: r.creation_time_before,
            last_modified_time_after: r.last_modified_time_after,
            last_modified_time_before: r.last_modified_time_before,
        }
    }
}

impl From<&ListModelsInput> for ListQuery {
    fn from(r: &ListModelsInput) -> Self {
        Self {
            max_results: r.max_results,
            sort_by: r.sort_by.as_ref().map(|v| v.as_str().to_string()),
            sort_order: r.sort_order.as_ref().map(|v| v.as_str().to_string()),
            name_contains: r.name_contains.clone(),
            next_token: r.next_token.clone(),
            creation_time_after: r.creation_time_after,
            creation_time_before: r.creation_time_before,
            ..Self::default()
        }
    }
}

impl From<&ListEndpointConfigsInput> for ListQuery {
    fn from(r: &ListEndpointConfigsInput) -> Self {
        Self {
            max_results: r.max_results,
            sort_by: r.sort_by.as_ref().map(|v| v.as_str().to_string()),
            sort_order: r.sort_order.as_ref().map(|v| v.as_str().to_string()),
            name_contains: r.name_contains.clone(),
            next_token: r.next_token.clone(),
            creation_time_after: r.creation_time_after,
            creation_time_before: r.creation_time_before,
            ..Self::default()
        }
    }
}

impl From<&ListEndpointsInput> for ListQuery {
    fn from(r: &ListEndpointsInput) -> Self {
        Self {
            max_results: r.max_results,
            sort_by: r.sort_by.as_ref().map(|v| v.as_str().to_string()),
            sort_order: r.sort_order.as_ref().map(|v| v.as_str().to_string()),
            status_equals: r.status_equals.as_ref().map(|v| v.as_str().to_string()),
            name_contains: r.name_contains.clone(),
            next_token: r.next_token.clone(),
            creation_time_after: r.creation_time_after,
            creation_time_before: r.creation_time_before,
            last_modified_time_after: r.last_modified_time_after,
            last_modified_time_before: r.last_modified_time_before,
        }
    }
}

/// One listable resource: what the filters and sorting look at, and its summary (the operation's
/// typed summary shape, e.g. `TrainingJobSummary`).
#[derive(Debug, Clone)]
pub(crate) struct Row<T> {
    pub name: String,
    pub creation: f64,
    pub modified: f64,
    pub status: Option<String>,
    pub summary: T,
}

/// What a List* operation allows.
pub(crate) struct ListSpec<'a> {
    pub sort_by: &'a [&'a str],
    pub statuses: &'a [&'a str],
}

/// One page of a List* answer: the summaries and the token of the next page, if any.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Page<T> {
    pub items: Vec<T>,
    pub next_token: Option<String>,
}

const TOKEN_PREFIX: &str = "sagemaker-offline:";

/// Filters, sorts and pages `rows` as the request asks.
pub(crate) fn list<T>(
    req: &ListQuery,
    mut rows: Vec<Row<T>>,
    spec: &ListSpec<'_>,
) -> Result<Page<T>, JsonError> {
    let mut c = Checker::new();
    let max = req.max_results.map_or(10, i64::from);
    c.at_least(max, "maxResults", 1);
    c.at_most(max, "maxResults", 100);
    let sort_by = req.sort_by.as_deref().unwrap_or("CreationTime");
    c.one_of(sort_by, "sortBy", spec.sort_by);
    let order = req.sort_order.as_deref().unwrap_or("Descending");
    c.one_of(order, "sortOrder", &["Ascending", "Descending"]);
    let status = req.status_equals.as_deref();
    if let Some(s) = status
        && !spec.statuses.is_empty()
    {
        c.one_of(s, "statusEquals", spec.statuses);
    }
    let name_contains = req.name_contains.as_deref();
    if let Some(n) = name_contains {
        c.string(n, "nameContains", 0, 63, None);
    }
    c.finish()?;
    let start = match req.next_token.as_deref() {
        None => 0usize,
        Some(t) => t
            .strip_prefix(TOKEN_PREFIX)
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| JsonError::validation(format!("Invalid pagination token \"{t}\".")))?,
    };
    let (ca, cb, ma, mb) = (
        req.creation_time_after,
        req.creation_time_before,
        req.last_modified_time_after,
        req.last_modified_time_before,
    );
    let needle = name_contains.map(str::to_ascii_lowercase);
    rows.retain(|r| {
        needle
            .as_ref()
            .is_none_or(|n| r.name.to_ascii_lowercase().contains(n.as_str()))
            && status.is_none_or(|s| r.status.as_deref() == Some(s))
            && ca.is_none_or(|t| r.creation > t)
            && cb.is_none_or(|t| r.creation < t)
            && ma.is_none_or(|t| r.modified > t)
            && mb.is_none_or(|t| r.modified < t)
    });
    rows.sort_by(|a, b| {
        let o = match sort_by {
            "Name" => a.name.cmp(&b.name),
            "Status" => a
                .status
                .cmp(&b.status)
                .then(a.creation.total_cmp(&b.creation)),
            _ => a.creation.total_cmp(&b.creation).then(a.name.cmp(&b.name)),
        };
        if order == "Descending" {
            o.reverse()
        } else {
            o
        }
    });
    let max = usize::try_from(max).unwrap_or(10);
    let total = rows.len();
    let next_token = (start + max < total).then(|| format!("{TOKEN_PREFIX}{}", start + max));
    let items = rows
        .into_iter()
        .skip(start)
        .take(max)
        .map(|r| r.summary)
        .collect();
    Ok(Page { items, next_token })
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn rows() -> Vec<Row<String>> {
        (0..25)
            .map(|i| Row {
                name: format!("job-{i:02}"),
                creation: 1000.0 + f64::from(i),
                modified: 2000.0 + f64::from(i),
                status: Some(if i % 2 == 0 { "Completed" } else { "Failed" }.to_string()),
                summary: format!("job-{i:02}"),
            })
            .collect()
    }
    const SPEC: ListSpec<'static> = ListSpec {
        sort_by: &["Name", "CreationTime", "Status"],
        statuses: &["Completed", "Failed"],
    };

    fn query(req: Value) -> ListQuery {
        let r: ListTrainingJobsRequest = serde_json::from_value(req).expect("request");
        ListQuery::from(&r)
    }

    fn names(page: &Page<String>) -> Vec<String> {
        page.items.clone()
    }

    #[test]
    fn default_is_newest_first_ten_then_token() {
        let req = json!({});
        let out = list(&query(req), rows(), &SPEC).expect("list");
        let n = names(&out);
        assert_eq!(n.len(), 10);
        assert_eq!(n[0], "job-24");
        assert_eq!(n[9], "job-15");
        let token = out.next_token.clone().expect("token");
        let req = json!({"NextToken": token, "MaxResults": 100});
        let out = list(&query(req), rows(), &SPEC).expect("list");
        assert_eq!(names(&out).len(), 15);
        assert_eq!(names(&out)[0], "job-14");
        assert!(out.next_token.is_none());
    }

    #[test]
    fn filters_and_sorting() {
        let req = json!({"NameContains": "JOB-1", "StatusEquals": "Failed", "SortBy": "Name", "SortOrder": "Ascending"});
        let out = list(&query(req), rows(), &SPEC).expect("list");
        assert_eq!(
            names(&out),
            vec!["job-11", "job-13", "job-15", "job-17", "job-19"]
        );
        let req = json!({"CreationTimeAfter": 1022.5});
        let out = list(&query(req), rows(), &SPEC).expect("list");
        assert_eq!(names(&out), vec!["job-24", "job-23"]);
    }

    #[test]
    fn bad_parameters() {
        for req in [
            json!({"MaxResults": 0}),
            json!({"SortBy": "Size"}),
            json!({"StatusEquals": "Done"}),
            json!({"NextToken": "x"}),
        ] {
            let e = list(&query(req.clone()), rows(), &SPEC)
                .err()
                .map(|e| e.code);
            assert_eq!(e.as_deref(), Some("ValidationException"), "{req}");
        }
    }
}
