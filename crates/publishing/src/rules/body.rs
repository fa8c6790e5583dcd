//! An announcement's body: Markdown or HTML, always sanitized before it is shown.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The body as sanitized HTML: Markdown is rendered first; either way ammonia's allow-list strips
/// script, event handler attributes (`on*`) and `javascript:` links.
pub fn render_body(format: BodyFormat, body: &str) -> String {
    match format {
        BodyFormat::Markdown => render_markdown(body),
        BodyFormat::Html => ammonia::clean(body),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BodyFormat {
    #[default]
    Markdown,
    Html,
}

impl BodyFormat {
    pub fn as_str(&self) -> &'static str {
        match self {
            BodyFormat::Markdown => "markdown",
            BodyFormat::Html => "html",
        }
    }
    pub fn parse(s: &str) -> BodyFormat {
        if s == "html" {
            BodyFormat::Html
        } else {
            BodyFormat::Markdown
        }
    }
}

// Any stored code other than `html` reads as Markdown (as `parse`).
ggzy_core::text_enum!(
    BodyFormat,
    |s: &str| Ok::<_, std::convert::Infallible>(BodyFormat::parse(s)),
    BodyFormat::as_str
);

/// Markdown to HTML with everything unsafe stripped: no script, no event handlers, no
/// `javascript:` links (ammonia's allow-list).
pub fn render_markdown(md: &str) -> String {
    let parser = pulldown_cmark::Parser::new_ext(md, pulldown_cmark::Options::ENABLE_TABLES);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    ammonia::clean(&html)
}
