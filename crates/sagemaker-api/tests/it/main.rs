//! sagemaker-api's integration tests, one binary: the generated code is current (`codegen`),
//! it agrees with the model and with SageMaker's message format (`model`), and recorded wire
//! bodies round-trip through it (`wire`).

mod codegen;
mod model;
mod wire;
