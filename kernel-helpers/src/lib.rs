//! kernel_helpers: the notebooks' API.
