//! The display-name form. A plain form post to the `set_name` server function, with or without
//! JavaScript; a refused name comes back as an error shown under the field.

use crate::api::SetName;
use crate::model::MAX_NAME_CHARS;
use leptos::{prelude::*, server_fn::ServerFn};

#[component]
pub fn NameForm(current: Option<String>, #[prop(into)] next: String) -> impl IntoView {
    // Reads an error the server put in the URL after a form post without JavaScript.
    let action = ServerAction::<SetName>::new();
    let error = move || action.value().get().and_then(Result::err).map(|e| e.message);
    view! {
        <form method="post" action=SetName::url() class="name-form">
            <label for="display-name">"Display name"</label>
            <div class="row">
                <input
                    id="display-name"
                    name="name"
                    required
                    maxlength=MAX_NAME_CHARS
                    autocomplete="nickname"
                    value=current
                />
                <input type="hidden" name="next" value=next />
                <button type="submit">"Continue"</button>
            </div>
            {move || error().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </form>
    }
}
