//! In-process HTTP: the app's router called as a client would call it.

use super::*;

/// The app's router called in-process, as a client would call it over HTTP.
#[derive(Clone)]
pub struct Api {
    router: Router,
}

impl Api {
    pub fn new(router: Router) -> Self {
        Api { router }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, String)],
        body: Body,
    ) -> anyhow::Result<(u16, Value)> {
        let mut rb = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            rb = rb.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            rb = rb.header(*k, v);
        }
        let mut req = rb.body(body)?;
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                [127, 0, 0, 1],
                0,
            ))));
        let resp = self
            .router
            .clone()
            .oneshot(req)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        let status = resp.status().as_u16();
        let bytes = http_body_util::BodyExt::collect(resp.into_body())
            .await
            .map_err(|e| anyhow!("{e}"))?
            .to_bytes();
        let v = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        Ok((status, v))
    }

    pub async fn json(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> anyhow::Result<(u16, Value)> {
        self.send(
            method,
            path,
            token,
            &[("content-type", "application/json".into())],
            Body::from(body.to_string()),
        )
        .await
    }

    pub async fn get(&self, token: Option<&str>, path: &str) -> anyhow::Result<(u16, Value)> {
        self.send(Method::GET, path, token, &[], Body::empty())
            .await
    }

    /// POST and require a 2xx answer.
    pub async fn post_ok(&self, token: &str, path: &str, body: Value) -> anyhow::Result<Value> {
        let (s, v) = self.json(Method::POST, path, Some(token), &body).await?;
        if !(200..300).contains(&s) {
            bail!("POST {path}: {s} {v}");
        }
        Ok(v)
    }

    /// POST until the answer is not `retry(status, body)` (another area catching up), see [`patience`].
    pub async fn post_until(
        &self,
        token: &str,
        path: &str,
        body: Value,
        retry: impl Fn(u16, &Value) -> bool,
    ) -> anyhow::Result<Value> {
        for () in patience() {
            let (s, v) = self.json(Method::POST, path, Some(token), &body).await?;
            if retry(s, &v) {
                tokio::time::sleep(Duration::from_millis(30)).await;
                continue;
            }
            if !(200..300).contains(&s) {
                bail!("POST {path}: {s} {v}");
            }
            return Ok(v);
        }
        bail!("POST {path}: the platform never caught up")
    }

    pub async fn get_ok(&self, token: &str, path: &str) -> anyhow::Result<Value> {
        let (s, v) = self.get(Some(token), path).await?;
        if s != 200 {
            bail!("GET {path}: {s} {v}");
        }
        Ok(v)
    }
}
