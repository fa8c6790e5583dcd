//! Page tests without a browser: a person signs in through `/login` like a browser would (login
//! CSRF cookie, form post, session cookie) and then reads pages and posts forms with the session's
//! CSRF token. Redirects are not followed, so tests see each `303` and its `Location`.

use crate::{TestApp, DEMO_PASSWORD};
use reqwest::header::{HeaderMap, COOKIE, LOCATION, SET_COOKIE};

/// A reqwest client that does not follow redirects.
pub fn no_redirect_client() -> reqwest::Client {
    crate::test_client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The value `name=value` sets in the response's `Set-Cookie` headers, if any.
pub fn set_cookie_value(h: &HeaderMap, name: &str) -> Option<String> {
    h.get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .map(|rest| rest.split(';').next().unwrap_or("").to_string())
}

/// The whole `Set-Cookie` header for cookie `name`.
pub fn set_cookie_header(h: &HeaderMap, name: &str) -> Option<String> {
    h.get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

/// The `value` of the first hidden input named `name` in a page.
pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &html[at + name.len() + 15..];
    Some(rest[..rest.find('"')?].to_string())
}

/// One page response.
pub struct PageResp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl PageResp {
    pub fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

async fn into_page(r: reqwest::Response) -> PageResp {
    PageResp {
        status: r.status().as_u16(),
        headers: r.headers().clone(),
        body: r.text().await.expect("body"),
    }
}

/// A browser-like visitor: its cookies are kept by hand.
pub struct Visitor {
    pub base: String,
    pub client: reqwest::Client,
    pub cookies: Vec<(String, String)>,
}

impl Visitor {
    pub fn new(app: &TestApp) -> Visitor {
        Visitor {
            base: app.addr.clone(),
            client: no_redirect_client(),
            cookies: Vec::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, h: &HeaderMap) {
        for c in h.get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()) {
            let Some((k, rest)) = c.split_once('=') else {
                continue;
            };
            let v = rest.split(';').next().unwrap_or("").to_string();
            self.cookies.retain(|(n, _)| n != k);
            if !c.contains("Max-Age=0") {
                self.cookies.push((k.to_string(), v));
            }
        }
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub async fn get(&mut self, path: &str) -> PageResp {
        let r = self
            .client
            .get(format!("{}{}", self.base, path))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .expect("request");
        let p = into_page(r).await;
        self.keep_cookies(&p.headers);
        p
    }

    /// Post a form as is (the caller includes `csrf` or not).
    pub async fn post_form(&mut self, path: &str, form: &[(&str, &str)]) -> PageResp {
        let r = self
            .client
            .post(format!("{}{}", self.base, path))
            .header(COOKIE, self.cookie_header())
            .form(form)
            .send()
            .await
            .expect("request");
        let p = into_page(r).await;
        self.keep_cookies(&p.headers);
        p
    }

    /// Post a `multipart/form-data` form as a browser without script does: text fields in order,
    /// then files `(field, file name, content type, bytes)` (the caller includes `csrf` or not).
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &str, &[u8])],
    ) -> PageResp {
        let b = "----ggzy-visitor-boundary-7d1f";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                    .as_bytes(),
            );
        }
        for (k, name, ct, data) in files {
            body.extend_from_slice(
                format!(
                    "--{b}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{name}\"\r\nContent-Type: {ct}\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(data);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
        let r = self
            .client
            .post(format!("{}{}", self.base, path))
            .header(COOKIE, self.cookie_header())
            .header("content-type", format!("multipart/form-data; boundary={b}"))
            .body(body)
            .send()
            .await
            .expect("request");
        let p = into_page(r).await;
        self.keep_cookies(&p.headers);
        p
    }

    /// Fill in and submit the sign-in form.
    pub async fn sign_in_with(&mut self, username: &str, password: &str) -> PageResp {
        let page = self.get("/login").await;
        assert_eq!(page.status, 200, "login page");
        let csrf = hidden_value(&page.body, "csrf").expect("login csrf field");
        self.post_form(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", username),
                ("password", password),
                ("next", ""),
            ],
        )
        .await
    }

    /// Sign in with the demo password; panics unless the server signs in and redirects.
    pub async fn sign_in(&mut self, username: &str) -> PageResp {
        let r = self.sign_in_with(username, DEMO_PASSWORD).await;
        assert_eq!(r.status, 303, "sign in as {username}: {}", r.body);
        r
    }

    /// The CSRF token of the signed-in session, read from `path` (any frame page).
    pub async fn csrf(&mut self, path: &str) -> String {
        let p = self.get(path).await;
        hidden_value(&p.body, "csrf").expect("csrf field on the page")
    }
}
