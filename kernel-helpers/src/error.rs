//! The notebooks' error type.
//!
//! evcxr prints a failing cell's `?` error with `Display` (`{}`) and a failed `.unwrap()` with
//! `Debug`. `anyhow::Error`'s `Display` shows only the outermost context, and a `thiserror`
//! enum's `Debug` is a struct dump; neither reads like a message. [`KitError`] wraps an
//! `anyhow::Error` and prints the whole chain (`what failed: why: root cause`) for both.

use std::fmt;

/// Result of every public helper.
pub type KitResult<T> = Result<T, KitError>;

/// An error whose `Display` and `Debug` are the message chain, on one line.
pub struct KitError(pub anyhow::Error);

impl KitError {
    /// An error from a message.
    pub fn msg(message: impl fmt::Display) -> Self {
        Self(anyhow::anyhow!("{message}"))
    }
    /// Adds context (what was being done) in front of the message.
    pub fn context(self, what: impl fmt::Display + Send + Sync + 'static) -> Self {
        Self(self.0.context(what))
    }
}

impl fmt::Display for KitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

impl fmt::Debug for KitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

impl<E> From<E> for KitError
where
    E: Into<anyhow::Error>,
{
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

/// `.context("…")` on results whose error converts into [`KitError`].
pub trait KitContext<T> {
    /// Wraps the error with what was being done.
    fn kit_context<C: fmt::Display + Send + Sync + 'static>(self, what: C) -> KitResult<T>;
    /// Lazily built context.
    fn with_kit_context<C: fmt::Display + Send + Sync + 'static, F: FnOnce() -> C>(
        self,
        f: F,
    ) -> KitResult<T>;
}

impl<T, E: Into<KitError>> KitContext<T> for Result<T, E> {
    fn kit_context<C: fmt::Display + Send + Sync + 'static>(self, what: C) -> KitResult<T> {
        self.map_err(|e| e.into().context(what))
    }
    fn with_kit_context<C: fmt::Display + Send + Sync + 'static, F: FnOnce() -> C>(
        self,
        f: F,
    ) -> KitResult<T> {
        self.map_err(|e| e.into().context(f()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_debug_show_the_whole_chain() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let e: KitError = Err::<(), _>(io)
            .kit_context("reading 1979.csv")
            .unwrap_err()
            .context("loading year 1979");
        assert_eq!(
            format!("{e}"),
            "loading year 1979: reading 1979.csv: no such file"
        );
        assert_eq!(
            format!("{e:?}"),
            "loading year 1979: reading 1979.csv: no such file"
        );
    }

    #[test]
    fn question_mark_converts_std_errors() {
        fn parse(s: &str) -> KitResult<i32> {
            Ok(s.parse::<i32>()?)
        }
        assert_eq!(parse("12").unwrap(), 12);
        assert_eq!(
            parse("x").unwrap_err().to_string(),
            "invalid digit found in string"
        );
    }
}
