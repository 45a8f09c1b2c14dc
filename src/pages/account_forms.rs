//! Sign in, create an account, sign out: plain form posts to server functions, with or without
//! JavaScript. A refusal comes back as an error shown under its form.

use crate::api::{SignIn, SignOut, SignUp};
use crate::model::MAX_NAME_CHARS;
use crate::protocol::ProtocolError;
use leptos::{prelude::*, server_fn::ServerFn};

/// Both forms side by side; each sends the browser to `next` once signed in.
#[component]
pub fn AccountForms(#[prop(into)] next: String) -> impl IntoView {
    let sign_in = ServerAction::<SignIn>::new();
    let sign_up = ServerAction::<SignUp>::new();
    view! {
        <div class="account-forms">
            <form method="post" action=SignIn::url() class="account-form" aria-label="Sign in">
                <h2>"Sign in"</h2>
                <label for="sign-in-name">"Name"</label>
                <input id="sign-in-name" name="name" required maxlength=MAX_NAME_CHARS autocomplete="username" />
                <label for="sign-in-password">"Password"</label>
                <input id="sign-in-password" name="password" type="password" required autocomplete="current-password" />
                <input type="hidden" name="next" value=next.clone() />
                <button type="submit">"Sign in"</button>
                {move || refusal(sign_in.value().get())}
            </form>
            <form method="post" action=SignUp::url() class="account-form" aria-label="Create an account">
                <h2>"New here?"</h2>
                <label for="sign-up-name">"Choose a name"</label>
                <input id="sign-up-name" name="name" required maxlength=MAX_NAME_CHARS autocomplete="username" />
                <label for="sign-up-password">"Choose a password"</label>
                <input
                    id="sign-up-password"
                    name="password"
                    type="password"
                    required
                    minlength=crate::model::MIN_PASSWORD_CHARS
                    autocomplete="new-password"
                />
                <input type="hidden" name="next" value=next />
                <button type="submit">"Create account"</button>
                {move || refusal(sign_up.value().get())}
            </form>
        </div>
    }
}

/// "Sign out": ends this browser's session and closes its live connections.
#[component]
pub fn SignOutButton() -> impl IntoView {
    view! {
        <form method="post" action=SignOut::url() class="inline">
            <button type="submit" class="link">"Sign out"</button>
        </form>
    }
}

/// A refused form's message, under the form.
fn refusal(result: Option<Result<(), ProtocolError>>) -> Option<impl IntoView> {
    let error = result?.err()?;
    Some(view! { <p class="error" role="alert">{error.message}</p> })
}
