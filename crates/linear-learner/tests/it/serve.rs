//! serve::invoke request/response formats, and job-level client errors.

use crate::common::*;
use linear_learner::serve::invoke;
use linear_learner::{Model, TrainError};

fn regressor() -> Model {
    let dir = tempdir();
    let d = linear(500, &[1.0, -2.0], 0.5, 0.01, 3);
    write_csv(&dir.path().join("t.csv"), &d);
    let (r, _) = run(
        &[("predictor_type", "regressor"), ("epochs", "3")],
        one_host(vec![("train", csv_channel(vec![dir.path().join("t.csv")]))]),
    );
    r.expect("train").model
}

fn score(m: &Model, row: &[f32]) -> f32 {
    match &m.predict(row).expect("predict")[0] {
        linear_learner::Prediction::Regression { score } => *score,
        p => panic!("{p:?}"),
    }
}

#[test]
fn request_and_response_formats() {
    let m = regressor();
    let (a, b) = (score(&m, &[1.0, 2.0]), score(&m, &[0.5, 0.0]));
    let want = format!("{{\"predictions\":[{{\"score\":{a:?}}},{{\"score\":{b:?}}}]}}");
    for accept in [None, Some("*/*"), Some("application/json")] {
        let r = invoke(&m, "text/csv", accept, b"1,2\n0.5,0\n").expect("csv");
        assert_eq!(r.content_type, "application/json");
        assert_eq!(String::from_utf8(r.body).expect("utf8"), want);
    }
    let j = invoke(
        &m,
        "application/json",
        None,
        br#"{"instances":[{"features":[1,2]},{"data":{"features":{"values":[0.5,0]}}}]}"#,
    )
    .expect("json");
    assert_eq!(String::from_utf8(j.body).expect("utf8"), want);
    let sp = invoke(&m, "application/json", None, br#"{"instances":[{"data":{"features":{"keys":[1,0],"shape":[2],"values":[2,1]}}},{"features":[0.5,0]}]}"#)
        .expect("sparse");
    assert_eq!(String::from_utf8(sp.body).expect("utf8"), want);
    let jl = invoke(
        &m,
        "application/jsonlines",
        Some("application/jsonlines"),
        b"{\"features\":[1,2]}\n{\"features\":[0.5,0]}\n",
    )
    .expect("jsonlines");
    assert_eq!(
        String::from_utf8(jl.body).expect("utf8"),
        format!("{{\"score\": {a:?}}}\n{{\"score\": {b:?}}}\n")
    );
    // recordIO in and out
    let body = sagemaker_recordio::write_dense_matrix(Vec::new(), &[1.0, 2.0, 0.5, 0.0], 2, None)
        .expect("encode");
    let r = invoke(
        &m,
        "application/x-recordio-protobuf",
        Some("application/x-recordio-protobuf"),
        &body,
    )
    .expect("rec");
    let recs: Vec<_> = sagemaker_recordio::RecordReader::new(r.body.as_slice())
        .map(|x| x.expect("record"))
        .collect();
    assert_eq!(recs.len(), 2);
    match recs[0].label.get("score") {
        Some(sagemaker_recordio::Tensor::Float32 { values, .. }) => assert_eq!(values, &vec![a]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_payloads_are_400() {
    let m = regressor();
    let (s, msg) = invoke(&m, "text/csv", None, b"1,2\n1,2,3").expect_err("wrong count");
    assert_eq!(s, 400);
    assert!(
        msg.starts_with("unable to evaluate payload provided")
            && msg.contains("row 2 has 3 features"),
        "{msg}"
    );
    let (s, _) = invoke(&m, "text/csv", None, b"1,abc").expect_err("nan");
    assert_eq!(s, 400);
    let (s, _) = invoke(&m, "application/json", None, b"{not json").expect_err("json");
    assert_eq!(s, 400);
    let (s, _) = invoke(
        &m,
        "application/json",
        None,
        br#"{"instances":[{"features":[1]}]}"#,
    )
    .expect_err("dim");
    assert_eq!(s, 400);
    let (s, _) = invoke(&m, "image/png", None, b"x").expect_err("type");
    assert_eq!(s, 415);
    let (s, _) = invoke(&m, "text/csv", Some("text/html"), b"1,2").expect_err("accept");
    assert_eq!(s, 406);
}

#[test]
fn job_level_client_errors() {
    let dir = tempdir();
    let d = linear(100, &[1.0, 2.0], 0.0, 0.1, 1);
    write_csv(&dir.path().join("t.csv"), &d);
    let ch = || csv_channel(vec![dir.path().join("t.csv")]);
    let msg = |r: Result<linear_learner::TrainOutcome, TrainError>| match r {
        Err(TrainError::Client(m)) => m.to_string(),
        other => panic!("{other:?}"),
    };
    let m = msg(run(
        &[("predictor_type", "regressor"), ("feature_dim", "3")],
        one_host(vec![("train", ch())]),
    )
    .0);
    assert!(m.contains("feature_dim is 3") && m.contains("t.csv"), "{m}");
    let m = msg(run(
        &[("predictor_type", "regressor")],
        one_host(vec![("train", ch()), ("extra", ch())]),
    )
    .0);
    assert!(m.contains("'extra' was unexpected"), "{m}");
    let m = msg(run(
        &[("predictor_type", "regressor")],
        one_host(vec![("validation", ch())]),
    )
    .0);
    assert!(m.contains("'train' is a required property"), "{m}");
    let m = msg(run(
        &[("predictor_type", "binary_classifier")],
        one_host(vec![("train", ch())]),
    )
    .0);
    assert!(m.contains("labels must be 0 or 1"), "{m}");
    let (r, lines) = run(
        &[("predictor_type", "regressor"), ("epochs", "0")],
        one_host(vec![("train", ch())]),
    );
    assert!(msg(r).contains("'epochs'"));
    assert!(
        lines
            .all()
            .iter()
            .any(|l| l.contains("Reading default configuration"))
    );
}
