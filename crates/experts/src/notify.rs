//! Notifying drawn experts (通知): a channel interface with two real implementations — a signed
//! webhook for an SMS/voice gateway and SMTP e-mail — fed by an outbox table.
//!
//! Deciding to notify and sending are separate: the use case that draws, replaces, moves or cancels
//! writes `expert_notifications` rows in its own transaction; the notifier sends them afterwards,
//! outside any transaction, and retries failures with exponential backoff. A message names only the
//! time and the place of the session — never the project, the section or the tenderer — so that a
//! leaked SMS does not reveal who evaluates what (招标投标法 37, 评标委员会名单保密).

use crate::store::notifications::{self, NewNotification};
use chrono::{DateTime, Utc};
use ggzy_core::time::display_local;
use ggzy_core::{ids, Clock, Error, Result, Timestamp};
use ggzy_store::{Db, Tx};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Arc;

/// A message ready to go out on one channel.
#[derive(Debug, Clone)]
pub struct Message {
    /// Stable id of the outbox row: gateways use it to drop duplicates after a retry.
    pub id: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
}

/// One way of reaching an expert. `Err` carries a reason worth logging; the notifier retries.
#[async_trait::async_trait]
pub trait Channel: Send + Sync {
    /// `sms` or `email`: the outbox rows this channel sends.
    fn kind(&self) -> &'static str;
    async fn send(&self, m: &Message) -> std::result::Result<(), String>;
}

/// Header with the Unix time (seconds) the webhook request was signed at.
pub const TIMESTAMP_HEADER: &str = "x-ggzy-timestamp";
/// Header with `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub const SIGNATURE_HEADER: &str = "x-ggzy-signature";

/// The webhook signature: HMAC-SHA256 keyed with the shared secret over `"<timestamp>.<body>"`, hex.
/// Binding the timestamp lets the gateway refuse replays older than its tolerance.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(m) => m,
        // HMAC accepts keys of any length; this branch cannot be taken.
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// SMS/voice gateway over HTTPS: `POST url` with JSON `{id, to, text}`, signed.
pub struct WebhookChannel {
    url: String,
    secret: Vec<u8>,
    client: reqwest::Client,
    clock: Clock,
}

impl WebhookChannel {
    pub fn new(url: &str, secret: &[u8], clock: Clock) -> Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| Error::internal(format!("webhook client: {e}")))?;
        Ok(WebhookChannel {
            url: url.to_string(),
            secret: secret.to_vec(),
            client,
            clock,
        })
    }
}

#[async_trait::async_trait]
impl Channel for WebhookChannel {
    fn kind(&self) -> &'static str {
        "sms"
    }
    async fn send(&self, m: &Message) -> std::result::Result<(), String> {
        let body = serde_json::json!({ "id": m.id, "to": m.recipient, "text": m.body }).to_string();
        let ts = self.clock.now().timestamp();
        let sig = sign(&self.secret, ts, body.as_bytes());
        let r = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .header(TIMESTAMP_HEADER, ts.to_string())
            .header(SIGNATURE_HEADER, format!("sha256={sig}"))
            .body(body)
            .send()
            .await
            .map_err(|e| format!("webhook: {e}"))?;
        if r.status().is_success() {
            Ok(())
        } else {
            Err(format!("webhook answered {}", r.status()))
        }
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain SMTP (a relay on the local network, or tests).
    None,
    /// STARTTLS on the submission port (587).
    StartTls,
    /// Implicit TLS (465).
    Tls,
}

/// E-mail through an SMTP relay (lettre).
pub struct SmtpChannel {
    transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl SmtpChannel {
    pub fn new(
        host: &str,
        port: u16,
        security: SmtpSecurity,
        credentials: Option<(String, String)>,
        from: &str,
    ) -> Result<Self> {
        use lettre::AsyncSmtpTransport as T;
        let bad = |e: String| Error::internal(format!("smtp settings: {e}"));
        let mut b = match security {
            SmtpSecurity::None => T::<lettre::Tokio1Executor>::builder_dangerous(host),
            SmtpSecurity::StartTls => {
                T::<lettre::Tokio1Executor>::starttls_relay(host).map_err(|e| bad(e.to_string()))?
            }
            SmtpSecurity::Tls => {
                T::<lettre::Tokio1Executor>::relay(host).map_err(|e| bad(e.to_string()))?
            }
        }
        .port(port)
        .timeout(Some(std::time::Duration::from_secs(15)));
        if let Some((u, p)) = credentials {
            b = b.credentials(lettre::transport::smtp::authentication::Credentials::new(
                u, p,
            ));
        }
        Ok(SmtpChannel {
            transport: b.build(),
            from: from
                .parse()
                .map_err(|e: lettre::address::AddressError| bad(e.to_string()))?,
        })
    }
}

#[async_trait::async_trait]
impl Channel for SmtpChannel {
    fn kind(&self) -> &'static str {
        "email"
    }
    async fn send(&self, m: &Message) -> std::result::Result<(), String> {
        use lettre::AsyncTransport;
        let to: lettre::message::Mailbox = m
            .recipient
            .parse()
            .map_err(|e: lettre::address::AddressError| format!("recipient: {e}"))?;
        let email = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone())
            .message_id(Some(format!("<{}@ggzy.experts>", m.id)))
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            // Base64 keeps Chinese text intact through any relay (RFC 2045).
            .body(
                lettre::message::Body::new_with_encoding(
                    m.body.clone(),
                    lettre::message::header::ContentTransferEncoding::Base64,
                )
                .map_err(|_| "body encoding".to_string())?,
            )
            .map_err(|e| format!("message: {e}"))?;
        self.transport
            .send(email)
            .await
            .map(|_| ())
            .map_err(|e| format!("smtp: {e}"))
    }
}

/// The configured channels. A kind without a channel keeps its rows pending (sent once configured).
#[derive(Clone, Default)]
pub struct Channels {
    pub sms: Option<Arc<dyn Channel>>,
    pub email: Option<Arc<dyn Channel>>,
}

impl Channels {
    /// From the environment:
    /// `GGZY_NOTIFY_WEBHOOK_URL` + `GGZY_NOTIFY_WEBHOOK_SECRET` (SMS/voice gateway);
    /// `GGZY_SMTP_HOST`, `GGZY_SMTP_PORT` (587), `GGZY_SMTP_SECURITY` (`starttls` | `tls` | `none`),
    /// `GGZY_SMTP_FROM`, optional `GGZY_SMTP_USER` + `GGZY_SMTP_PASSWORD`.
    pub fn from_env(clock: Clock) -> Result<Channels> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let mut c = Channels::default();
        if let Some(url) = var("GGZY_NOTIFY_WEBHOOK_URL") {
            let secret = var("GGZY_NOTIFY_WEBHOOK_SECRET").ok_or_else(|| {
                Error::internal(
                    "GGZY_NOTIFY_WEBHOOK_SECRET is required with GGZY_NOTIFY_WEBHOOK_URL",
                )
            })?;
            c.sms = Some(Arc::new(WebhookChannel::new(
                &url,
                secret.as_bytes(),
                clock,
            )?));
        }
        if let Some(host) = var("GGZY_SMTP_HOST") {
            let port = match var("GGZY_SMTP_PORT") {
                Some(p) => p
                    .parse::<u16>()
                    .map_err(|_| Error::internal("GGZY_SMTP_PORT must be a port number"))?,
                None => 587,
            };
            let security = match var("GGZY_SMTP_SECURITY").as_deref() {
                None | Some("starttls") => SmtpSecurity::StartTls,
                Some("tls") => SmtpSecurity::Tls,
                Some("none") => SmtpSecurity::None,
                Some(_) => {
                    return Err(Error::internal(
                        "GGZY_SMTP_SECURITY must be starttls, tls or none",
                    ))
                }
            };
            let from = var("GGZY_SMTP_FROM")
                .ok_or_else(|| Error::internal("GGZY_SMTP_FROM is required with GGZY_SMTP_HOST"))?;
            let creds = var("GGZY_SMTP_USER").zip(var("GGZY_SMTP_PASSWORD"));
            c.email = Some(Arc::new(SmtpChannel::new(
                &host, port, security, creds, &from,
            )?));
        }
        Ok(c)
    }

    fn get(&self, kind: &str) -> Option<&Arc<dyn Channel>> {
        match kind {
            "sms" => self.sms.as_ref(),
            "email" => self.email.as_ref(),
            _ => None,
        }
    }

    fn kinds(&self) -> Vec<&'static str> {
        let mut k = Vec::new();
        if self.sms.is_some() {
            k.push("sms");
        }
        if self.email.is_some() {
            k.push("email");
        }
        k
    }
}

/// What the expert is told. Only time and place: the function has no access to anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// Drawn: come, and confirm by the deadline.
    Drawn { confirm_by: Timestamp },
    /// The session moved (new time and/or place).
    Moved,
    /// The session was cancelled.
    Cancelled,
}

/// Subject and body of a notice (Chinese, Asia/Shanghai local time).
pub fn compose(notice: Notice, start: Timestamp, end: Timestamp, place: &str) -> (String, String) {
    let when = format!("{} 至 {}", display_local(start), display_local(end));
    match notice {
        Notice::Drawn { confirm_by } => (
            "评标专家抽取通知".to_string(),
            format!(
                "您已被抽取为评标专家。时间：{when}；地点：{place}。请于 {} 前登录系统确认或谢绝。",
                display_local(confirm_by)
            ),
        ),
        Notice::Moved => (
            "评标时间地点变更通知".to_string(),
            format!("您参加的评标活动已变更。新的时间：{when}；地点：{place}。"),
        ),
        Notice::Cancelled => (
            "评标活动取消通知".to_string(),
            format!("原定于 {when} 在 {place} 的评标活动已取消，无需到场。"),
        ),
    }
}

/// Queue a notice to one expert: an SMS to the phone, and an e-mail when the expert has an address.
pub async fn enqueue(
    tx: &mut Tx,
    now: Timestamp,
    draw_id: &str,
    expert_id: &str,
    phone: &str,
    email: Option<&str>,
    (subject, body): (&str, &str),
) -> Result<()> {
    let mut targets = vec![("sms", phone)];
    if let Some(e) = email.filter(|e| !e.trim().is_empty()) {
        targets.push(("email", e));
    }
    for (channel, recipient) in targets {
        notifications::enqueue(
            tx,
            NewNotification {
                id: &ids::new_id(),
                draw_id,
                expert_id,
                channel,
                recipient,
                subject,
                body,
                at: now,
            },
        )
        .await?;
    }
    Ok(())
}

/// Attempts before a notification is given up as `failed`.
pub const MAX_ATTEMPTS: i64 = 8;
/// How long a claimed notification stays claimed (another instance takes it over afterwards).
const LEASE_SECONDS: i64 = 60;

/// Delay before attempt `attempts + 1`: 30 s, 1 min, 2 min, … capped at one hour.
pub fn backoff(attempts: i64) -> chrono::Duration {
    let exp = attempts.clamp(1, 20) - 1;
    chrono::Duration::seconds((30i64 << exp).min(3600))
}

/// Send what is due on the configured channels. Returns how many were sent. Each row is claimed
/// with a conditional UPDATE (lease), sent outside any transaction, then marked sent or rescheduled.
pub async fn process_due(db: &Db, clock: &Clock, channels: &Channels) -> Result<usize> {
    let kinds = channels.kinds();
    if kinds.is_empty() {
        return Ok(0);
    }
    let now = clock.now();
    let due = notifications::due(db, &kinds, now).await?;
    let mut sent = 0;
    for id in due {
        let lease = now + chrono::Duration::seconds(LEASE_SECONDS);
        if notifications::claim(db, &id, now, lease).await? != 1 {
            continue;
        }
        let row = notifications::outgoing(db, &id).await?;
        let channel = row.channel;
        let attempts = row.attempts + 1;
        let Some(ch) = channels.get(&channel) else {
            continue;
        };
        let m = Message {
            id: id.clone(),
            recipient: row.recipient,
            subject: row.subject,
            body: row.body,
        };
        let outcome = ch.send(&m).await;
        let at = clock.now();
        match outcome {
            Ok(()) => {
                notifications::mark_sent(db, &id, attempts, at).await?;
                sent += 1;
            }
            Err(e) => {
                tracing::warn!(notification = %id, channel = %channel, attempts, error = %e, "notification failed");
                let status = if attempts >= MAX_ATTEMPTS {
                    "failed"
                } else {
                    "pending"
                };
                notifications::mark_failed_attempt(
                    db,
                    &id,
                    status,
                    attempts,
                    at + backoff(attempts),
                    &e,
                )
                .await?;
            }
        }
    }
    Ok(sent)
}

/// The notifier of one instance: channels from the environment, polled every `poll`.
pub async fn run_loop(
    db: Db,
    clock: Clock,
    poll: std::time::Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let channels = match Channels::from_env(clock.clone()) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "expert notification channels misconfigured; notifications stay queued");
            Channels::default()
        }
    };
    if channels.kinds().is_empty() {
        tracing::info!("no expert notification channel configured; notifications stay queued");
        return;
    }
    let every = poll.max(std::time::Duration::from_secs(1));
    loop {
        if let Err(e) = process_due(&db, &clock, &channels).await {
            tracing::warn!(error = %e, "expert notifier failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// A notification as staff see it (delivery state, for the draw view).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct Notification {
    pub id: String,
    pub expert_id: String,
    pub channel: String,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    #[sqlx(try_from = "ggzy_core::sql::At")]
    pub created_at: DateTime<Utc>,
}

pub async fn for_draw(db: &Db, draw_id: &str) -> Result<Vec<Notification>> {
    for_draw_on(db.pool(), draw_id).await
}

/// [`for_draw`] on a given executor (a use case's transaction, to answer from it).
pub async fn for_draw_on<'e, E>(exec: E, draw_id: &str) -> Result<Vec<Notification>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    notifications::of_draw(exec, draw_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn a_notice_gives_time_and_place_in_shanghai_time() {
        let (subject, body) = compose(
            Notice::Drawn {
                confirm_by: t("2026-03-19T03:00:00Z"),
            },
            t("2026-03-20T01:00:00Z"),
            t("2026-03-20T09:00:00Z"),
            "第3评标室",
        );
        assert_eq!(subject, "评标专家抽取通知");
        assert!(body.contains("第3评标室"), "{body}");
        assert!(body.contains("2026-03-20 09:00"), "{body}");
        assert!(body.contains("2026-03-19 11:00"), "{body}");
    }

    #[test]
    fn the_signature_binds_timestamp_and_body() {
        let a = sign(b"k", 100, b"{}");
        assert_eq!(a.len(), 64);
        assert_ne!(a, sign(b"k", 101, b"{}"));
        assert_ne!(a, sign(b"k", 100, b"{ }"));
        assert_ne!(a, sign(b"other", 100, b"{}"));
        // RFC 4231 style check against an independent computation.
        let mut mac = Hmac::<Sha256>::new_from_slice(b"k").expect("key");
        mac.update(b"100.{}");
        assert_eq!(a, hex::encode(mac.finalize().into_bytes()));
    }

    #[test]
    fn backoff_doubles_from_thirty_seconds_up_to_an_hour() {
        assert_eq!(backoff(1), chrono::Duration::seconds(30));
        assert_eq!(backoff(2), chrono::Duration::seconds(60));
        assert_eq!(backoff(7), chrono::Duration::seconds(1920));
        assert_eq!(backoff(8), chrono::Duration::seconds(3600));
        assert_eq!(backoff(50), chrono::Duration::seconds(3600));
    }
}
