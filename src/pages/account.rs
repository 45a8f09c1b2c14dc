//! `/account`: the signed-in person's picture (upload one, or go back to their initial), their
//! personal API tokens for the REST API (create one, shown
//! once; see when each was last used; revoke it), the download of their data, and the deletion
//! of their account. Plain forms, with or without JavaScript.

use super::account_forms::SignOutButton;
use crate::api::{load_account, CreateToken, DeleteAccount, RevokeToken, TokenView};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;

#[component]
pub fn AccountPage() -> impl IntoView {
    let page = Resource::new(|| (), |()| load_account());
    view! {
        <Title text="Your account" />
        <main class="page narrow">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! { <Account page /> }.into_any(),
                        Err(error) => {
                            crate::api::set_status(401);
                            view! {
                                <h1>"Your account"</h1>
                                <p>{error.message}</p>
                                <p><a href="/">"Sign in"</a></p>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn Account(page: crate::api::AccountPage) -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let delete = ServerAction::<DeleteAccount>::new();
    let delete_error = move || delete.value().get().and_then(Result::err);
    let error = move || {
        create
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| revoke.value().get().and_then(Result::err))
    };
    let rows = page.tokens.into_iter().map(token_row).collect_view();
    view! {
        <h1>"Your account"</h1>
        <div>"Signed in as " <strong>{page.name.clone()}</strong> ". " <a href="/r/lobby">"Back to the lobby"</a> " · " <SignOutButton /></div>
        <Picture name=page.name set_at=page.avatar_set_at error=page.avatar_error max_mb=page.picture_max_mb />
        <h2>"API tokens"</h2>
        <p>
            "A token lets a bot or a script use the REST API as you: "
            <code>"Authorization: Bearer pt_…"</code> " on " <code>"/api/v1"</code>
            " (" <a href="/api/v1/openapi.json">"OpenAPI document"</a> ")."
        </p>
        {page.new_token.map(|token| view! {
            <div class="new-token" role="status">
                <p>"Your new token. Copy it now: it is not shown again."</p>
                <code class="token" data-testid="new-token">{token}</code>
            </div>
        })}
        <form method="post" action=CreateToken::url() class="row">
            <label for="token-label" class="visually-hidden">"Token label"</label>
            <input id="token-label" name="label" required maxlength="60" placeholder="What is it for? (e.g. deploy bot)" />
            <button type="submit">"Create token"</button>
        </form>
        {move || error().map(|e| view! { <p class="error" role="alert">{e.message}</p> })}
        <ul class="tokens" aria-label="API tokens">{rows}</ul>
        <h2>"Your data"</h2>
        <p>
            "Everything you wrote, in every room (deleted messages as the tombstones they are), and "
            "every reaction you gave, in one JSON file."
        </p>
        // `rel="external"`: a download from the server, not a page of the app's router.
        <p><a href="/account/export" rel="external" download="">"Download my data"</a></p>
        <h2>"Delete your account"</h2>
        <p>
            "Every message you wrote is erased (each shows as deleted), your reactions are taken "
            "back, you leave every room, and all your sessions and API tokens end. Your name stays "
            "reserved, so nobody else can appear as you. This cannot be undone: download your "
            "data first if you want to keep it."
        </p>
        <form method="post" action=DeleteAccount::url() class="stacked" aria-label="Delete your account">
            <label for="delete-password">"Your password"</label>
            <div class="row">
                <input id="delete-password" type="password" name="password" required autocomplete="current-password" />
                <button type="submit" class="danger">"Delete my account"</button>
            </div>
        </form>
        {move || delete_error().map(|e| view! { <p class="error" role="alert">{e.message}</p> })}
    }
}

fn token_row(token: TokenView) -> impl IntoView {
    let used = match token.last_used_at {
        Some(at) => format!("last used {}", crate::model::utc_timestamp(at)),
        None => "never used".to_owned(),
    };
    view! {
        <li data-revoked=token.revoked.to_string()>
            <strong>{token.label.clone()}</strong>
            " · created " {crate::model::utc_timestamp(token.created_at)} " · " {used}
            {if token.revoked {
                view! { " · " <em>"revoked"</em> }.into_any()
            } else {
                view! {
                    <form method="post" action=RevokeToken::url() class="inline">
                        <input type="hidden" name="id" value=token.id />
                        " · "
                        <button type="submit" class="link" aria-label=format!("Revoke {}", token.label)>"Revoke"</button>
                    </form>
                }.into_any()
            }}
        </li>
    }
}

/// The person's picture, and the forms that change it: plain posts (`server::avatars`), with or
/// without JavaScript; a refusal comes back as this page with the reason.
#[component]
fn Picture(name: String, set_at: Option<i64>, error: Option<String>, max_mb: u64) -> impl IntoView {
    // The version in the address: the new picture shows at once after an upload.
    let src = format!("{}&v={}", crate::model::AvatarOf::url(&name), set_at.unwrap_or(0));
    view! {
        <h2>"Your picture"</h2>
        <div class="picture-setting">
            <img class="avatar large" src=src alt="Your picture" width="96" height="96" />
            <div>
                <form method="post" action="/account/avatar" enctype="multipart/form-data" class="row">
                    <label for="avatar-file" class="visually-hidden">"Picture to upload"</label>
                    <input id="avatar-file" type="file" name="file" required accept="image/png,image/jpeg,image/gif,image/webp" />
                    <button type="submit">"Upload picture"</button>
                </form>
                {set_at.map(|_| view! {
                    <form method="post" action="/account/avatar/remove">
                        <button type="submit">"Remove picture"</button>
                    </form>
                })}
                <p class="muted">
                    {format!("A PNG, JPEG, GIF or WebP of at most {max_mb} MB. Its middle square is kept, made small. ")}
                    {if set_at.is_some() { "Removing it shows your initial again." } else { "Until then, your initial shows." }}
                </p>
            </div>
        </div>
        {error.map(|e| view! { <p class="error" role="alert">{e}</p> })}
    }
}
