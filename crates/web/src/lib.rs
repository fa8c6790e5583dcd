//! ggzy-web: the page frame every area's HTML pages share.
//!
//! - [`frame`]: per-request [`frame::Chrome`], the base layout (landmarks, skip link, language
//!   switch, sign-in/out, sandbox banner), HTML responses with security headers, error pages.
//! - [`session`]: the session cookie, the [`session::PageActor`] / [`session::PublicPage`]
//!   extractors, CSRF ([`session::CsrfForm`], `X-CSRF-Token`).
//! - [`form`]: GOV.UK-pattern form components and [`form::FormState::from_error`].
//! - [`fmt`]: money (元) and Beijing-time formatting; [`lang`]: zh/en.
//! - [`assets`]: the stylesheet and scripts embedded in the binary.
//! - [`pages`]: `/login`, `/logout`, the roles' simple homes; [`router`].
//!
//! Templates are askama (compile-time checked, HTML-escaped by default). See docs/web.md.

// Page helpers answer `Result<_, Response>` (axum's rejection idiom): the error *is* the page
// to send, built once per refused request, so boxing it would only add an allocation.
#![allow(clippy::result_large_err)]

pub mod assets;
pub mod fmt;
pub mod form;
pub mod frame;
pub mod lang;
pub mod pages;
pub mod queue;
pub mod regional;
pub mod session;

pub use form::FormState;
pub use frame::{page, Chrome, PageError};
pub use lang::Lang;
pub use pages::router;
pub use queue::QueueCard;
pub use session::{CsrfForm, PageActor, PublicPage};
