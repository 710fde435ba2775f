//! The demo data: the four users of the original app, a couple of days of cruds, and the
//! replies, likes, reposts, follows and direct messages that make every page worth a look.
//!
//! Everything is placed relative to `now`, so the demo is always fresh: cruds are spread over
//! the last two days with TTLs that keep every one of them live when seeding ends.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, TimeDelta, Utc};
use cruddur_contract::{Handle, Reaction, Ttl, User};
use cruddur_store::{NewActivity, NewReply, NewUser, Page, Participant, StoreError, Stores};

/// What [`seed`] created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeedSummary {
    pub users: usize,
    pub cruds: usize,
    pub replies: usize,
    pub messages: usize,
}

/// Who unauthenticated requests act as in all-in-one mode: the original app's one user, the
/// first seeded. If this handle exists, the demo data is already there.
pub const DEMO_HANDLE: &str = "andrewbrown";

/// A handle of the tables below.
fn demo_handle(text: &str) -> anyhow::Result<Handle> {
    Handle::parse(text).with_context(|| format!("demo handle {text:?} is not a handle"))
}

/// (handle, display name, bio, joined how many days ago)
const USERS: &[(&str, &str, &str, i64)] = &[
    (
        DEMO_HANDLE,
        "Andrew Brown",
        "Cloud instructor, bootcamp host and Cruddur's first user. I crud, therefore I am.",
        30,
    ),
    (
        "altbrown",
        "Alt Brown",
        "The other Andrew Brown. Test account, real opinions.",
        21,
    ),
    (
        "bayko",
        "Andrew Bayko",
        "Cloud engineer, DynamoDB enthusiast, serial Babylon 5 rewatcher.",
        29,
    ),
    (
        "londo",
        "Londo Mollari",
        "Ambassador of the Centauri Republic to Babylon 5. My cruds expire; my grudges do not.",
        14,
    ),
];

/// (author, posted how many minutes ago, TTL, text), oldest first. Each TTL outlasts its age,
/// so every crud is live at `now`; replies, likes and reposts refer to cruds by index here.
const CRUDS: &[(&str, i64, Ttl, &str)] = &[
    (
        "andrewbrown",
        2850,
        Ttl::SevenDays,
        "Week 1 of the #cloudbootcamp is live! We're containerising Cruddur: a Dockerfile for \
         the backend, one for the frontend, and a compose file to run them together. #docker",
    ),
    (
        "bayko",
        2790,
        Ttl::ThirtyDays,
        "Reminder for everyone starting the bootcamp: set up budgets and billing alarms before \
         anything else. Your future self and your credit card will thank you. #aws",
    ),
    (
        "londo",
        2700,
        Ttl::ThreeDays,
        "Ambassador's log: I am told my cruds will expire. Finally, a medium that understands \
         diplomacy. Say everything, regret nothing.",
    ),
    (
        "altbrown",
        2610,
        Ttl::SevenDays,
        "I'm the other Andrew Brown. Same face, different handle. I'll mostly be here to check \
         that notifications actually arrive.",
    ),
    (
        "andrewbrown",
        2460,
        Ttl::ThreeDays,
        "Multi-stage builds are the best trick in the Dockerfile book: compile in a big image, \
         ship only the binary. Our backend image went from 1.2 GB to under 20 MB. #docker #rust",
    ),
    (
        "bayko",
        2330,
        Ttl::SevenDays,
        "Rewatched the first season of Babylon 5. The CGI has aged, the writing hasn't. @londo \
         you were magnificent.",
    ),
    (
        "andrewbrown",
        2200,
        Ttl::ThirtyDays,
        "Don't think about it, just crud it! Regret it? No worries, we'll forget it.",
    ),
    (
        "londo",
        2050,
        Ttl::SevenDays,
        "Ah, @andrewbrown, you rebuild a whole application in Rust and call it a bootcamp. On \
         Centauri Prime we would call it a hobby. #rust",
    ),
    (
        "altbrown",
        1900,
        Ttl::ThreeDays,
        "Ran `docker compose up` on a laptop with no internet and everything came up healthy. \
         Offline-friendly builds are underrated. #docker",
    ),
    (
        "andrewbrown",
        1760,
        Ttl::ThreeDays,
        "Health checks in the compose file plus depends_on service_healthy: no more backend \
         crashing because Postgres was still booting. #docker #cloudbootcamp",
    ),
    (
        "bayko",
        1620,
        Ttl::SevenDays,
        "Hot take: DynamoDB single-table design is a puzzle game disguised as a database. I \
         enjoy it more than I should. #aws",
    ),
    (
        "londo",
        1480,
        Ttl::ThirtyDays,
        "They tell me the cloud is just someone else's computer. On Centauri Prime, every \
         computer is someone else's computer, until we annex it.",
    ),
    (
        "andrewbrown",
        1350,
        Ttl::OneDay,
        "Reading the original week-1 Flask code tonight. Hard-coded users, mock data, and a \
         TODO on every other line. We've all been there. #cloudbootcamp",
    ),
    (
        "altbrown",
        1200,
        Ttl::ThreeDays,
        "Rust tip: `cargo clippy -- -D warnings` in CI keeps the whole team honest. The borrow \
         checker is strict, clippy is stricter. #rust",
    ),
    (
        "bayko",
        1080,
        Ttl::OneDay,
        "@andrewbrown the notifications page shows real notifications now. What a time to be \
         alive.",
    ),
    (
        "andrewbrown",
        960,
        Ttl::SevenDays,
        "Read-only root filesystem, no shell, non-root user, cap_drop ALL. Anyone who breaks \
         into this container is going to be very bored. #docker #security",
    ),
    (
        "londo",
        840,
        Ttl::OneDay,
        "Vir asked me why my cruds vanish after a day. I told him a good ambassador leaves no \
         paper trail. #babylon5",
    ),
    (
        "altbrown",
        700,
        Ttl::TwelveHours,
        "Twelve-hour TTL on this one, because I'm about to say something about tabs versus \
         spaces and I'd like it gone by morning.",
    ),
    (
        "andrewbrown",
        610,
        Ttl::OneDay,
        "Switched the embedded store to SQLite in WAL mode. One binary, one file, and a working \
         demo on a fresh laptop with `cargo run`. #rust",
    ),
    (
        "bayko",
        520,
        Ttl::TwelveHours,
        "If your container image ships a package manager, so does your attacker. Distroless or \
         scratch, folks. #docker",
    ),
    (
        "londo",
        430,
        Ttl::TwelveHours,
        "The Shadows, the Vorlons, and now IAM roles. I have seen many incomprehensible powers, \
         @bayko, but AssumeRole is the worst of them. #aws",
    ),
    (
        "andrewbrown",
        360,
        Ttl::OneDay,
        "Quick poll: who's deploying Cruddur to ECS Fargate this week, and who's sticking with \
         compose on a single EC2 box? #aws #cloudbootcamp",
    ),
    (
        "altbrown",
        290,
        Ttl::TwelveHours,
        "Cursor pagination instead of offsets: no duplicates and no skipped cruds, even when \
         people post while you scroll.",
    ),
    (
        "bayko",
        230,
        Ttl::OneDay,
        "Spent the afternoon on a conformance suite that runs the same tests against SQLite, \
         Postgres and DynamoDB Local. Worth every minute. #rust #aws",
    ),
    (
        "andrewbrown",
        150,
        Ttl::ThreeHours,
        "Three-hour crud: lunch was excellent, and nobody needs to know that tomorrow.",
    ),
    (
        "londo",
        140,
        Ttl::TwelveHours,
        "@altbrown @andrewbrown which of you is the real Andrew Brown? On Centauri Prime we \
         would settle this with a duel.",
    ),
    (
        "altbrown",
        110,
        Ttl::ThreeHours,
        "Test crud, please ignore. Actually, don't ignore it: like it, I'm checking the like \
         notifications.",
    ),
    (
        "bayko",
        85,
        Ttl::OneDay,
        "Argon2id for passwords, HttpOnly cookies for the browser, bearer tokens for the API. \
         Secure by default should be the boring default. #security",
    ),
    (
        "andrewbrown",
        40,
        Ttl::OneHour,
        "This crud self-destructs in one hour. Much like my focus on a Friday afternoon.",
    ),
    (
        "londo",
        30,
        Ttl::ThreeHours,
        "Tonight I drink to the bootcamp graduates. Tomorrow I deny everything. #cloudbootcamp",
    ),
    (
        "altbrown",
        20,
        Ttl::OneDay,
        "Graceful shutdown on SIGTERM: stop accepting, finish what's in flight, then exit. ECS \
         and Kubernetes both say thank you. #aws",
    ),
    (
        "bayko",
        12,
        Ttl::TwelveHours,
        "@andrewbrown check your messages, I have Babylon 5 opinions that don't fit in a crud.",
    ),
    (
        "andrewbrown",
        4,
        Ttl::SevenDays,
        "Don't think about it, just crud it! The Rust rebuild of Cruddur is up and running. \
         #rust #cloudbootcamp",
    ),
];

/// (index of the crud in `CRUDS`, author, posted how many minutes ago, text), each after its
/// crud.
const REPLIES: &[(usize, &str, i64, &str)] = &[
    (
        0,
        "bayko",
        2820,
        "Compose file looks good. Don't forget the health checks!",
    ),
    (
        0,
        "altbrown",
        2800,
        "Following along: Dockerfile done, compose next.",
    ),
    (
        4,
        "londo",
        2400,
        "Twenty megabytes? My ego alone weighs more than that.",
    ),
    (4, "bayko", 2380, "Under 20 MB and no shell. Ship it."),
    (
        7,
        "andrewbrown",
        2000,
        "@londo a hobby that compiles with zero warnings, thank you very much.",
    ),
    (
        7,
        "londo",
        1990,
        "Zero warnings. How very un-Centauri of you.",
    ),
    (
        10,
        "andrewbrown",
        1600,
        "Single-table design is great until you need a new access pattern. Then the puzzle game \
         gets a boss fight.",
    ),
    (
        14,
        "andrewbrown",
        1050,
        "Real notifications, real counts, real users. Only the cruds are temporary.",
    ),
    (
        20,
        "bayko",
        400,
        "AssumeRole gets easier once you draw the trust policy on a whiteboard. Mostly.",
    ),
    (
        21,
        "bayko",
        340,
        "Fargate for me. I've patched enough EC2 boxes for one lifetime.",
    ),
    (
        21,
        "altbrown",
        330,
        "Compose on one box until it hurts, then Fargate.",
    ),
    (
        25,
        "andrewbrown",
        120,
        "@londo no duels. Handles have a unique index, and that is final.",
    ),
    (
        29,
        "andrewbrown",
        25,
        "Cheers, Londo. See you on the other side of the TTL.",
    ),
    (
        32,
        "bayko",
        3,
        "Looking fast! Signing up took me under a second.",
    ),
];

/// (who, indexes in `CRUDS` of the cruds they like), never their own
const LIKES: &[(&str, &[usize])] = &[
    ("andrewbrown", &[5, 10, 16, 23, 26]),
    ("altbrown", &[6, 18, 32]),
    ("bayko", &[0, 6, 15, 26, 32]),
    ("londo", &[5, 6, 26, 32]),
];

/// (who, indexes in `CRUDS` of the cruds they repost), never their own
const REPOSTS: &[(&str, &[usize])] = &[
    ("andrewbrown", &[19, 27]),
    ("altbrown", &[9, 32]),
    ("bayko", &[6, 21]),
    ("londo", &[6]),
];

/// (follower, followed)
const FOLLOWS: &[(&str, &str)] = &[
    ("altbrown", "andrewbrown"),
    ("bayko", "andrewbrown"),
    ("londo", "andrewbrown"),
    ("andrewbrown", "bayko"),
    ("andrewbrown", "londo"),
    ("altbrown", "bayko"),
    ("bayko", "altbrown"),
    ("bayko", "londo"),
];

/// (sender, receiver, sent how many minutes ago, text), oldest first.
const MESSAGES: &[(&str, &str, i64, &str)] = &[
    (
        "bayko",
        "andrewbrown",
        600,
        "Hey Andrew, have you finished Babylon 5 yet? I need someone to talk to about season 4.",
    ),
    (
        "andrewbrown",
        "bayko",
        590,
        "Halfway through season 3. No spoilers!",
    ),
    (
        "bayko",
        "andrewbrown",
        575,
        "No spoilers, promise. Just know that Londo's arc is some of the best television ever \
         written.",
    ),
    (
        "andrewbrown",
        "bayko",
        560,
        "Better than G'Kar's? Bold claim.",
    ),
    (
        "bayko",
        "andrewbrown",
        540,
        "G'Kar is a close second. Their scenes together are why I rewatch it every few years.",
    ),
    (
        "londo",
        "andrewbrown",
        300,
        "Mr. Brown, a proposal: a premium tier where my cruds never expire. I would pay \
         handsomely.",
    ),
    (
        "andrewbrown",
        "londo",
        280,
        "Sorry Londo, everything on Cruddur expires. That's the whole point.",
    ),
    (
        "londo",
        "andrewbrown",
        270,
        "Everything expires. How very Vorlon of you.",
    ),
    (
        "andrewbrown",
        "bayko",
        30,
        "Finished season 3 last night. Okay, I get it now.",
    ),
    (
        "bayko",
        "andrewbrown",
        10,
        "Told you. Season 4 picks up right where it left off, so clear your weekend.",
    ),
];

/// Loads the demo data unless it is already there (andrewbrown exists), then the demo
/// conversations unless the message store has them (see [`seed_messages`]); `Ok(None)` when
/// nothing was missing. `now` must be truncated to microseconds; every demo user gets
/// `password`.
pub async fn seed(
    stores: &Stores,
    now: DateTime<Utc>,
    password: &str,
) -> anyhow::Result<Option<SeedSummary>> {
    let accounts = seed_accounts_and_cruds(stores, now, password).await?;
    let messages = seed_messages(stores, now).await?;
    Ok(match (accounts, messages) {
        (None, 0) => None,
        (accounts, messages) => Some(SeedSummary {
            messages,
            ..accounts.unwrap_or_default()
        }),
    })
}

/// The SQL store's part: users, cruds, replies, likes, reposts, follows.
async fn seed_accounts_and_cruds(
    stores: &Stores,
    now: DateTime<Utc>,
    password: &str,
) -> anyhow::Result<Option<SeedSummary>> {
    let store = &stores.store;
    if store
        .user_by_handle(&demo_handle(DEMO_HANDLE)?)
        .await?
        .is_some()
    {
        return Ok(None);
    }
    // Hashed only now: a restart of an already seeded store should not pay for it.
    let password_hash = crate::auth::password::hash(password.to_owned()).await?;

    let mut users: HashMap<&str, User> = HashMap::new();
    for &(handle, display_name, bio, joined_days_ago) in USERS {
        let new = NewUser {
            display_name: display_name.to_owned(),
            handle: demo_handle(handle)?,
            email: format!("{handle}@example.com"),
            password_hash: password_hash.clone(),
            created_at: now - TimeDelta::days(joined_days_ago),
        };
        let user = store.create_user(&new).await?;
        users.insert(handle, store.update_user(user.uuid, None, Some(bio)).await?);
    }

    let mut cruds = Vec::with_capacity(CRUDS.len());
    for &(author, minutes_ago, ttl, message) in CRUDS {
        let created_at = now - TimeDelta::minutes(minutes_ago);
        let new = NewActivity {
            author: users[author].uuid,
            message: message.to_owned(),
            created_at,
            expires_at: created_at + ttl.duration(),
        };
        cruds.push(store.create_activity(&new).await?.uuid);
    }

    // The tables are fixed, so a crud that is not there to reply to, like or repost is a bug
    // in them: fail loudly rather than seed half a demo.
    for &(crud, author, minutes_ago, message) in REPLIES {
        let new = NewReply {
            author: users[author].uuid,
            reply_to: cruds[crud],
            message: message.to_owned(),
            created_at: now - TimeDelta::minutes(minutes_ago),
        };
        store
            .create_reply(&new)
            .await?
            .ok_or(StoreError::NotFound)?;
    }
    for (reaction, given) in [(Reaction::Like, LIKES), (Reaction::Repost, REPOSTS)] {
        for &(handle, reacted) in given {
            for &crud in reacted {
                if !store
                    .set_reaction(users[handle].uuid, cruds[crud], reaction, true, now)
                    .await?
                {
                    return Err(StoreError::NotFound.into());
                }
            }
        }
    }
    for &(follower, followed) in FOLLOWS {
        store
            .set_follow(users[follower].uuid, &demo_handle(followed)?, true, now)
            .await?
            .ok_or(StoreError::NotFound)?;
    }

    Ok(Some(SeedSummary {
        users: users.len(),
        cruds: cruds.len(),
        replies: REPLIES.len(),
        messages: 0,
    }))
}

/// Loads the demo conversations unless the message store already has them: messages may live
/// apart from the accounts (a new DynamoDB table next to a seeded SQL database), so this part
/// runs on its own too. Needs the demo users. Returns how many messages were written.
pub async fn seed_messages(stores: &Stores, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let mut participants: HashMap<&str, Participant> = HashMap::new();
    for &(sender, receiver, ..) in MESSAGES {
        for handle in [sender, receiver] {
            if !participants.contains_key(handle) {
                let user = stores
                    .store
                    .user_by_handle(&demo_handle(handle)?)
                    .await?
                    .with_context(|| {
                        format!("demo user @{handle} is missing: load the demo data first (`seed`)")
                    })?;
                participants.insert(handle, Participant::from(&user));
            }
        }
    }
    let (first_sender, first_receiver, ..) = MESSAGES[0];
    let existing = stores
        .messages
        .conversation(
            &participants[first_sender],
            &participants[first_receiver],
            &Page::first(1),
        )
        .await?;
    if !existing.is_empty() {
        return Ok(0);
    }
    for &(sender, receiver, minutes_ago, message) in MESSAGES {
        stores
            .messages
            .send_message(
                &participants[sender],
                &participants[receiver],
                message,
                now - TimeDelta::minutes(minutes_ago),
            )
            .await?;
    }
    Ok(MESSAGES.len())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use chrono::SubsecRound;
    use cruddur_contract::NotificationKind;
    use cruddur_contract::activity::{CRUD_MAX_CHARS, REPLY_MAX_CHARS};
    use cruddur_store::Page;

    use super::*;

    fn user_known(handle: &str) -> bool {
        USERS.iter().any(|&(known, ..)| known == handle)
    }

    /// The tables alone, so a bad edit is caught without a database.
    #[test]
    fn the_tables_are_consistent() {
        for &(author, minutes_ago, ttl, message) in CRUDS {
            assert!(user_known(author), "unknown author {author}");
            assert!(
                TimeDelta::minutes(minutes_ago) < ttl.duration(),
                "expired: {message}"
            );
            assert!(message.chars().count() <= CRUD_MAX_CHARS, "long: {message}");
        }
        for &(crud, author, minutes_ago, message) in REPLIES {
            assert!(user_known(author), "unknown author {author}");
            assert!(
                minutes_ago < CRUDS[crud].1,
                "reply before its crud: {message}"
            );
            assert!(message.chars().count() <= REPLY_MAX_CHARS);
        }
        for &(handle, cruds) in LIKES.iter().chain(REPOSTS) {
            assert!(user_known(handle));
            assert!(cruds.iter().all(|&crud| CRUDS[crud].0 != handle));
        }
        for &(follower, followed) in FOLLOWS {
            assert!(user_known(follower) && user_known(followed) && follower != followed);
        }
        assert!(MESSAGES.windows(2).all(|pair| pair[0].2 > pair[1].2));
        for &(sender, receiver, _, message) in MESSAGES {
            assert!(user_known(sender) && user_known(receiver) && sender != receiver);
            assert!(message.chars().count() <= REPLY_MAX_CHARS);
        }
    }

    /// What a reader would see: cruds on the home feed, andrewbrown's notification kinds, and
    /// the andrewbrown–bayko conversation length.
    async fn snapshot(
        stores: &Stores,
        now: DateTime<Utc>,
    ) -> (usize, HashSet<NotificationKind>, usize, usize) {
        let store = &stores.store;
        let home = store.home_feed(&Page::first(100), now).await.unwrap();
        let andrew = store
            .user_by_handle(&demo_handle("andrewbrown").unwrap())
            .await
            .unwrap()
            .unwrap();
        let bayko = store
            .user_by_handle(&demo_handle("bayko").unwrap())
            .await
            .unwrap()
            .unwrap();
        let notifications = store
            .notifications(andrew.uuid, &Page::first(100), now)
            .await
            .unwrap();
        let conversation = stores
            .messages
            .conversation(
                &Participant::from(&andrew),
                &Participant::from(&bayko),
                &Page::first(100),
            )
            .await
            .unwrap();
        (
            home.len(),
            notifications.iter().map(|n| n.kind).collect(),
            notifications.len(),
            conversation.len(),
        )
    }

    #[tokio::test]
    async fn seeds_a_fresh_store_once() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}/t.db", dir.path().display());
        let stores = cruddur_store::open(&url, true).await.unwrap();
        let now = Utc::now().trunc_subsecs(6);

        let summary = seed(&stores, now, "demo password").await.unwrap().unwrap();
        assert_eq!(
            summary,
            SeedSummary {
                users: USERS.len(),
                cruds: CRUDS.len(),
                replies: REPLIES.len(),
                messages: MESSAGES.len(),
            }
        );

        let (home, kinds, notifications, conversation) = snapshot(&stores, now).await;
        assert!(home >= 20, "only {home} live cruds");
        assert_eq!(home, CRUDS.len());
        assert_eq!(kinds, HashSet::from(NotificationKind::ALL));
        let with_bayko = MESSAGES
            .iter()
            .filter(|&&(from, to, ..)| from == "bayko" || to == "bayko")
            .count();
        assert_eq!(conversation, with_bayko);

        let again = seed(&stores, now, "demo password").await.unwrap();
        assert_eq!(again, None);
        assert_eq!(
            snapshot(&stores, now).await,
            (home, kinds, notifications, conversation)
        );
    }

    #[tokio::test]
    async fn a_message_store_without_the_demo_conversations_gets_only_those() {
        let dir = tempfile::tempdir().unwrap();
        let open = |name: &str| {
            let url = format!("sqlite:{}/{name}.db", dir.path().display());
            async move { cruddur_store::open(&url, true).await.unwrap() }
        };
        let now = Utc::now().trunc_subsecs(6);
        // Accounts seeded while the messages lived elsewhere.
        let stores = open("accounts").await;
        seed_accounts_and_cruds(&stores, now, "demo password")
            .await
            .unwrap()
            .unwrap();

        let summary = seed(&stores, now, "demo password").await.unwrap().unwrap();
        assert_eq!(
            summary,
            SeedSummary {
                messages: MESSAGES.len(),
                ..SeedSummary::default()
            }
        );
        assert_eq!(seed_messages(&stores, now).await.unwrap(), 0);

        let empty = open("empty").await;
        let error = seed_messages(&empty, now).await.unwrap_err();
        assert!(
            error.to_string().contains("load the demo data first"),
            "{error}"
        );
    }
}
