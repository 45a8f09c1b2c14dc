//! A room's members and their roles; for its moderators, the forms that invite (private rooms),
//! kick, ban, lift bans and name moderators. Plain form posts to the `moderate` server function:
//! they work the same with or without JavaScript, and the page comes back with the result.

use crate::api::Moderate;
use crate::model::{Member, Role, MAX_NAME_CHARS};
use leptos::{prelude::*, server_fn::ServerFn};

#[component]
pub(super) fn MembersPanel(
    room: String,
    /// The first members, or those matching `member_find`.
    members: Vec<Member>,
    /// How many members the room has.
    member_count: u64,
    /// How many match `member_find` (all, when it is empty).
    member_matches: u64,
    /// The search (`?member=`), empty when none.
    member_find: String,
    /// The reader's role here (`None`: a guest, or not a member).
    role: Option<Role>,
    banned: Vec<String>,
    private: bool,
    direct: bool,
) -> impl IntoView {
    let action = ServerAction::<Moderate>::new();
    let error = move || action.value().get().and_then(Result::err).map(|e| e.message);
    let moderates = role.is_some_and(Role::moderates) && !direct;
    let label = if direct { "People".to_owned() } else { format!("Members ({member_count})") };
    let searched = !member_find.is_empty();
    let listed = members.len() as u64;
    let rows = members
        .into_iter()
        .map(|member| {
            let below = role.is_some_and(|mine| member.role < mine || mine == Role::Owner)
                && member.role != Role::Owner;
            let tools = (moderates && below).then(|| {
                let owner = role == Some(Role::Owner);
                let promote = match member.role {
                    Role::Member => Some(("moderator", "Make moderator")),
                    Role::Moderator => Some(("member", "Make member")),
                    Role::Owner => None,
                };
                view! {
                    <span class="member-tools">
                        {owner.then(|| promote.map(|(action, text)| view! {
                            <ModerationButton room=room.clone() name=member.name.clone() action text />
                        }))}
                        <ModerationButton room=room.clone() name=member.name.clone() action="kick" text="Kick" />
                        <ModerationButton room=room.clone() name=member.name.clone() action="ban" text="Ban" />
                    </span>
                }
            });
            let badge = match member.role {
                Role::Owner => Some("owner"),
                Role::Moderator => Some("moderator"),
                Role::Member => None,
            };
            view! {
                <li data-name=member.name.clone()>
                    <span class="member-name">{member.name.clone()}</span>
                    {badge.map(|b| view! { <span class="role">{b}</span> })}
                    {tools}
                </li>
            }
        })
        .collect_view();
    let banned_list = (moderates && !banned.is_empty()).then(|| {
        let rows = banned
            .into_iter()
            .map(|name| {
                view! {
                    <li>
                        <span class="member-name">{name.clone()}</span>
                        <ModerationButton room=room.clone() name action="unban" text="Lift ban" />
                    </li>
                }
            })
            .collect_view();
        view! {
            <h3>"Banned"</h3>
            <ul class="banned" aria-label="Banned">{rows}</ul>
        }
    });
    let invite = (moderates && private).then(|| {
        view! {
            <form method="post" action=Moderate::url() class="invite">
                <input type="hidden" name="room" value=room.clone() />
                <input type="hidden" name="action" value="invite" />
                <label for="invite-name">"Invite"</label>
                <input id="invite-name" name="name" required maxlength=MAX_NAME_CHARS placeholder="name" />
                <button type="submit">"Invite"</button>
            </form>
        }
    });
    // Past the first names, a search finds anyone (a GET form: the page comes back with them).
    let more = member_matches.saturating_sub(listed);
    let summary = match (searched, member_matches) {
        (true, 0) => Some(format!("No member's name contains “{member_find}”.")),
        (true, n) if more > 0 => Some(format!(
            "{n} members' names contain “{member_find}”; the first {listed} are shown."
        )),
        (true, 1) => Some(format!("1 member's name contains “{member_find}”.")),
        (true, n) => Some(format!("{n} members' names contain “{member_find}”.")),
        (false, _) if more > 0 => Some(format!("and {more} more")),
        (false, _) => None,
    };
    let search = (searched || member_count > listed).then(|| {
        let clear = searched.then(|| {
            view! { <a href=format!("/r/{room}#members") rel="external">"Show the first members"</a> }
        });
        view! {
            <form method="get" action=format!("/r/{room}#members") class="member-search" role="search" aria-label="Find a member">
                <label for="member-find">"Find a member"</label>
                <input id="member-find" name="member" type="search" value=member_find.clone() maxlength=MAX_NAME_CHARS />
                <button type="submit">"Find"</button>
            </form>
            {clear}
        }
    });
    view! {
        <details class="members" id="members" open=moderates || searched>
            <summary>{label}</summary>
            <ul aria-label="Members">{rows}</ul>
            {summary.map(|text| view! { <p class="members-more">{text}</p> })}
            {search}
            {banned_list}
            {invite}
            {move || error().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </details>
    }
}

#[component]
fn ModerationButton(
    room: String,
    name: String,
    action: &'static str,
    text: &'static str,
) -> impl IntoView {
    let label = format!("{text} {name}");
    view! {
        <form method="post" action=Moderate::url() class="inline">
            <input type="hidden" name="room" value=room />
            <input type="hidden" name="name" value=name />
            <input type="hidden" name="action" value=action />
            <button type="submit" class="small" aria-label=label>{text}</button>
        </form>
    }
}
