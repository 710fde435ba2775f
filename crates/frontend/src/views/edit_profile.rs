//! `/settings/profile`: the signed-in user's display name and bio, over `PATCH /api/me`.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use cruddur_contract::account::{BIO_MAX_CHARS, DISPLAY_NAME_MAX_CHARS};
use cruddur_contract::{ErrorCode, UpdateProfile};
use serde::Deserialize;

use super::filters;
use super::forms::{FieldErrors, FormContext, kept, submit};
use super::layout::{Layout, Section};
use super::render::{render, unprocessable};
use super::urls::profile_url;
use crate::error::PageResult;
use crate::session::{CsrfForm, SignedIn, Viewer};
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "edit_profile/edit_profile.html")]
pub struct EditProfilePage {
    pub layout: Layout,
    pub display_name: String,
    pub bio: String,
    pub bio_max_chars: usize,
    pub errors: FieldErrors,
    /// `back` is the profile, where Cancel leads.
    pub forms: FormContext,
}

#[derive(Debug, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    bio: String,
}

pub async fn show(SignedIn { user, viewer }: SignedIn) -> Response {
    render(&page(
        &viewer,
        &user.handle,
        user.display_name,
        user.bio,
        FieldErrors::default(),
    ))
}

/// Saves both fields and shows the profile; a refused form comes back with what was typed.
pub async fn save(
    State(state): State<AppState>,
    SignedIn { user, viewer }: SignedIn,
    CsrfForm(form): CsrfForm<ProfileForm>,
) -> PageResult<Response> {
    let body = UpdateProfile {
        display_name: Some(form.display_name),
        bio: Some(form.bio),
    };
    let backend = viewer.api(&state.api);
    let call = backend.update_profile(&body);
    match submit(body.validate(), ErrorCode::BioExceedMaxChars, call).await? {
        Ok(_) => Ok(Redirect::to(&profile_url(&user.handle)).into_response()),
        Err(codes) => {
            let field =
                |value: &Option<String>, max| kept(value.as_deref().unwrap_or_default(), max);
            Ok(unprocessable(&page(
                &viewer,
                &user.handle,
                field(&body.display_name, DISPLAY_NAME_MAX_CHARS),
                field(&body.bio, BIO_MAX_CHARS),
                FieldErrors::from_codes(&codes),
            )))
        }
    }
}

/// The form for `handle`'s profile, which Cancel leads back to.
fn page(
    viewer: &Viewer,
    handle: &str,
    display_name: String,
    bio: String,
    errors: FieldErrors,
) -> EditProfilePage {
    EditProfilePage {
        layout: Layout::for_viewer(viewer, "Edit profile", Section::Other),
        display_name,
        bio,
        bio_max_chars: BIO_MAX_CHARS,
        errors,
        forms: FormContext::new(viewer, &profile_url(handle)),
    }
}
