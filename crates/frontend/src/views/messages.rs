//! `/messages` (the viewer's conversations) and `/messages/@{handle}` (one conversation and
//! the form to write in it).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use cruddur_contract::activity::REPLY_MAX_CHARS;
use cruddur_contract::{CreateMessage, ErrorCode, Handle};
use serde::Deserialize;

use super::filters;
use super::forms::{FieldErrors, FormContext, MessageFormPartial, kept, submit};
use super::layout::{Layout, Section};
use super::render::{render, unprocessable};
use super::status::parse_handle;
use super::urls::{conversation_url, profile_url};
use crate::error::PageResult;
use crate::session::{CsrfForm, SignedIn, Viewer};
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "messages/groups.html")]
pub struct GroupsPage {
    pub layout: Layout,
    pub groups: Vec<Line>,
    pub now: DateTime<Utc>,
}

#[derive(Template)]
#[template(path = "messages/conversation.html")]
pub struct ConversationPage {
    pub layout: Layout,
    pub handle: Handle,
    pub profile_url: String,
    pub messages: Vec<Line>,
    pub now: DateTime<Utc>,
    pub form: MessageFormPartial,
}

/// A conversation in the list, or a message in a conversation: who, what, when.
pub struct Line {
    pub display_name: String,
    pub handle: Handle,
    /// The conversation (in the list) or the sender's profile (in a conversation).
    pub url: String,
    pub message: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
pub struct MessageForm {
    #[serde(default)]
    message: String,
}

pub async fn groups(
    State(state): State<AppState>,
    SignedIn { viewer, .. }: SignedIn,
) -> PageResult<Response> {
    let backend = viewer.api(&state.api);
    let (groups, layout) = tokio::join!(
        backend.message_groups(),
        Layout::load(&state, &viewer, "Messages", Section::Messages)
    );
    let groups = groups?
        .into_iter()
        .map(|group| Line {
            url: conversation_url(&group.handle),
            display_name: group.display_name,
            handle: group.handle,
            message: group.message,
            created_at: group.created_at,
        })
        .collect();
    Ok(render(&GroupsPage {
        layout,
        groups,
        now: Utc::now(),
    }))
}

pub async fn conversation(
    State(state): State<AppState>,
    SignedIn { viewer, .. }: SignedIn,
    Path(handle): Path<String>,
) -> PageResult<Response> {
    let handle = parse_handle(&handle)?;
    let page = conversation_page(&state, &viewer, &handle, "", FieldErrors::default()).await?;
    Ok(render(&page))
}

pub async fn send(
    State(state): State<AppState>,
    SignedIn { viewer, .. }: SignedIn,
    Path(handle): Path<String>,
    CsrfForm(form): CsrfForm<MessageForm>,
) -> PageResult<Response> {
    let handle = parse_handle(&handle)?;
    let body = CreateMessage {
        message: Some(form.message),
        user_receiver_handle: Some(handle.to_string()),
    };
    let backend = viewer.api(&state.api);
    let call = backend.send_message(&body);
    match submit(body.validate(), ErrorCode::MessageExceedMaxChars, call).await? {
        Ok(_) => Ok(Redirect::to(&conversation_url(&handle)).into_response()),
        Err(codes) => {
            let message = kept(body.message.as_deref().unwrap_or_default(), REPLY_MAX_CHARS);
            let errors = FieldErrors::from_codes(&codes);
            let page = conversation_page(&state, &viewer, &handle, &message, errors).await?;
            Ok(unprocessable(&page))
        }
    }
}

async fn conversation_page(
    state: &AppState,
    viewer: &Viewer,
    handle: &Handle,
    message: &str,
    errors: FieldErrors,
) -> PageResult<ConversationPage> {
    let title = format!("Messages with @{handle}");
    let backend = viewer.api(&state.api);
    let (messages, layout) = tokio::join!(
        backend.conversation(handle),
        Layout::load(state, viewer, &title, Section::Messages)
    );
    let url = conversation_url(handle);
    Ok(ConversationPage {
        layout,
        handle: handle.clone(),
        profile_url: profile_url(handle),
        messages: messages?
            .into_iter()
            .map(|m| Line {
                url: profile_url(&m.handle),
                display_name: m.display_name,
                handle: m.handle,
                message: m.message,
                created_at: m.created_at,
            })
            .collect(),
        now: Utc::now(),
        form: MessageFormPartial {
            id: "message",
            action: url.clone(),
            label: "Your message",
            button: "Send",
            forms: FormContext::new(viewer, &url),
            message: message.to_owned(),
            errors,
            max_chars: REPLY_MAX_CHARS,
        },
    })
}
