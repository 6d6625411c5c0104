//! sagemaker-recordio's integration tests, one binary: malformed input (`errors`: every error
//! returned with its byte offset, never a panic), round trips (`round_trip`: random records,
//! dense matrices, real GDELT numbers, protobuf parsing rules) and the Python SDK's own bytes
//! (`worked_bytes`).

mod errors;
mod round_trip;
mod worked_bytes;
