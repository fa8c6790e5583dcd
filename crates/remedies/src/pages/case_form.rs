//! Case forms with files: the posted form (urlencoded or multipart) and the files it carries.

use super::*;

// ------------------------------------------------------------------ case forms with files

/// A case form as posted: urlencoded, or `multipart/form-data` with files (the raise and escalate
/// forms, GOV.UK file upload pattern, no script). The CSRF token is checked before anything else
/// is looked at; a form that cannot be read changes nothing.
pub struct CaseForm {
    pub actor: PageActor,
    /// Text fields in order (`attachment_ids` may repeat), without `csrf`.
    pub fields: Vec<(String, String)>,
    /// Chosen files: `(file name, bytes)`; an empty file input is not a file.
    pub files: Vec<(String, axum::body::Bytes)>,
}

impl CaseForm {
    pub(super) fn map(&self) -> HashMap<String, String> {
        self.fields.iter().cloned().collect()
    }
    /// The ids of attachments already uploaded in an earlier submission of this form.
    fn carried(&self) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(k, v)| k == "attachment_ids" && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
            .collect()
    }
    /// The fields shown back on a re-rendered form (trimmed; not the carried ids).
    pub(super) fn values(&self) -> Vec<(String, String)> {
        self.fields
            .iter()
            .filter(|(k, _)| k != "attachment_ids" && k != "action")
            .map(|(k, v)| (k.clone(), v.trim().to_string()))
            .collect()
    }
}

impl axum::extract::FromRequest<Ctx> for CaseForm {
    type Rejection = Response;

    async fn from_request(
        req: axum::extract::Request,
        ctx: &Ctx,
    ) -> std::result::Result<Self, Response> {
        use axum::extract::FromRequestParts;
        let (mut parts, body) = req.into_parts();
        let actor = PageActor::from_request_parts(&mut parts, ctx).await?;
        let unreadable = |actor: &PageActor| {
            frame::error_page(
                &actor.chrome,
                &Error::bad_request("the form could not be read"),
            )
        };
        let multipart = parts
            .headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        let req = axum::extract::Request::from_parts(parts, body);
        let mut fields = Vec::new();
        let mut files = Vec::new();
        if multipart {
            let mut mp = axum::extract::Multipart::from_request(req, ctx)
                .await
                .map_err(|_| unreadable(&actor))?;
            while let Some(field) = mp.next_field().await.map_err(|_| unreadable(&actor))? {
                let name = field.name().unwrap_or("").to_string();
                let file_name = field.file_name().map(str::to_string);
                let bytes = field.bytes().await.map_err(|_| unreadable(&actor))?;
                match file_name {
                    Some(f) if name == "file" => {
                        if !(f.is_empty() && bytes.is_empty()) {
                            files.push((f, bytes));
                        }
                    }
                    _ => fields.push((
                        name,
                        String::from_utf8(bytes.to_vec()).map_err(|_| unreadable(&actor))?,
                    )),
                }
            }
        } else {
            let axum::extract::Form(f) =
                axum::extract::Form::<Vec<(String, String)>>::from_request(req, ctx)
                    .await
                    .map_err(|_| unreadable(&actor))?;
            fields = f;
        }
        let csrf = fields
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        actor.check_csrf(&csrf)?;
        fields.retain(|(k, _)| k != "csrf");
        Ok(CaseForm {
            actor,
            fields,
            files,
        })
    }
}

/// Stores the form's files as attachments of a case about `section_id` (the API's use case,
/// `attachments::upload`: PDF/PNG/JPEG by content, 10 MiB, SHA-256). `Ok(ids)` of the carried and
/// the new attachments; a refused file is named on the `file` field with its rule id.
pub(super) async fn store_files(
    ctx: &Ctx,
    f: &CaseForm,
    section_id: &str,
    form: &mut FormState,
) -> Result<Vec<String>> {
    let mut ids = f.carried();
    for (name, bytes) in &f.files {
        match crate::attachments::upload(ctx, &f.actor.actor, section_id, Some(name), bytes.clone())
            .await
        {
            Ok(att) => ids.push(att.id),
            Err(Error::Validation(errs)) => {
                for e in errs {
                    form.push("file", &e.rule, format!("{name}: {}", e.message));
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(ids)
}

/// The attachments a re-rendered form lists and carries (hidden `attachment_ids`).
pub(super) async fn pending(
    ctx: &Ctx,
    a: &PageActor,
    section_id: &str,
    ids: &[String],
) -> Vec<crate::attachments::Attachment> {
    let org = a.actor.org_id.clone().unwrap_or_default();
    crate::attachments::unclaimed(ctx, &org, section_id, ids)
        .await
        .unwrap_or_default()
}
