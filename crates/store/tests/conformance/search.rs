//! Search: whole words, every word, hashtags, hostile input, expiry and purge.

use cruddur_contract::ActivityId;
use cruddur_store::{Batch, Page, SearchPage, SearchTerms};

use crate::fixture::Fixture;
use crate::helpers::*;

pub async fn search_matches_whole_words_case_insensitively(fx: Fixture) {
    let alice = user(&fx, "alice").await;
    let learning = post(&fx, &alice, "Learning Rust today", 1).await;
    let trust = post(&fx, &alice, "I trust nobody", 2).await;
    let shouting = post(&fx, &alice, "RUST, rust; Rust!", 3).await;
    let the = post(&fx, &alice, "the rustacean", 4).await;
    let now = at(10);

    assert_eq!(find(&fx, "rust", now).await, [shouting.uuid, learning.uuid]);
    assert_eq!(find(&fx, "RuSt", now).await, [shouting.uuid, learning.uuid]);
    assert_eq!(find(&fx, "trust", now).await, [trust.uuid]);
    assert!(find(&fx, "rus", now).await.is_empty(), "no prefix matches");
    assert!(
        find(&fx, "ust", now).await.is_empty(),
        "no substring matches"
    );
    // Whole words: no stemming either way.
    assert!(
        find(&fx, "learn", now).await.is_empty(),
        "learn is not learning"
    );
    assert!(find(&fx, "rustaceans", now).await.is_empty());
    assert_eq!(find(&fx, "LEARNING", now).await, [learning.uuid]);
    // Every word counts, even the ones a language dictionary would drop.
    assert_eq!(find(&fx, "the", now).await, [the.uuid]);
    assert_eq!(find(&fx, "I", now).await, [trust.uuid]);
}

pub async fn search_requires_every_word(fx: Fixture) {
    let alice = user(&fx, "alice").await;
    let both = post(&fx, &alice, "rust in the cloud", 1).await;
    post(&fx, &alice, "rust on the ground", 2).await;
    let cloud = post(&fx, &alice, "cloud only", 3).await;
    let now = at(10);

    assert_eq!(find(&fx, "rust cloud", now).await, [both.uuid]);
    assert_eq!(find(&fx, "CLOUD rust", now).await, [both.uuid]);
    assert_eq!(find(&fx, "cloud", now).await, [cloud.uuid, both.uuid]);
    assert!(find(&fx, "rust cloud ground", now).await.is_empty());

    // Nothing to look for finds nothing, rather than everything.
    let blank = fx
        .store
        .search(&SearchTerms::parse("  ... ***  "), &Page::first(ALL), now)
        .await
        .unwrap();
    assert_eq!(blank, SearchPage::default());
}

pub async fn hashtag_search_requires_the_tag(fx: Fixture) {
    let alice = user(&fx, "alice").await;
    let tagged = post(&fx, &alice, "I love #rust", 1).await;
    let untagged = post(&fx, &alice, "rust without a tag", 2).await;
    let shouted = post(&fx, &alice, "#RUST shouting", 3).await;
    post(&fx, &alice, "#rustacean is another tag", 4).await;
    // `C#rust` is not a hashtag (the `#` follows a letter), though `rust` is a word of it.
    let glued = post(&fx, &alice, "C#rust glued", 5).await;
    let now = at(10);

    assert_eq!(find(&fx, "#rust", now).await, [shouted.uuid, tagged.uuid]);
    assert_eq!(find(&fx, "#Rust", now).await, [shouted.uuid, tagged.uuid]);
    assert_eq!(
        find(&fx, "rust", now).await,
        [glued.uuid, shouted.uuid, untagged.uuid, tagged.uuid],
        "the plain word matches tagged and untagged alike"
    );
    assert_eq!(find(&fx, "#rust love", now).await, [tagged.uuid]);
    assert!(find(&fx, "#rust without", now).await.is_empty());
    assert!(
        find(&fx, "#glued", now).await.is_empty(),
        "the word is there, the tag is not"
    );
}

/// The term is parsed into plain words, but those words may still be the engine's keywords
/// (`or`, `and`, `not`, `near`) or wildcards of LIKE (`_`); none may act as syntax.
pub async fn search_syntax_in_term_is_harmless(fx: Fixture) {
    let alice = user(&fx, "alice").await;
    let either = post(&fx, &alice, "rust or cloud", 1).await;
    let near = post(&fx, &alice, "rust and near things", 2).await;
    let plain = post(&fx, &alice, "just rust", 3).await;
    let all_rust = vec![plain.uuid, near.uuid, either.uuid];
    let now = at(10);

    let cases: Vec<(&str, Vec<ActivityId>)> = vec![
        ("\"rust", all_rust.clone()),
        ("rust\"", all_rust.clone()),
        ("'rust'", all_rust.clone()),
        ("rust OR cloud", vec![either.uuid]),
        ("rust AND near", vec![near.uuid]),
        ("NOT rust", vec![]),
        ("NEAR(rust cloud)", vec![]),
        ("NEAR(rust", vec![near.uuid]),
        ("rus*", vec![]),
        ("*", vec![]),
        ("-rust", all_rust.clone()),
        ("^rust", all_rust.clone()),
        ("rust:*", all_rust.clone()),
        ("rust & !cloud | near", vec![]),
        ("rust & !cloud", vec![either.uuid]),
        ("'; DROP TABLE activities; --", vec![]),
        ("\"; DROP TABLE users; --", vec![]),
        ("%", vec![]),
        ("_", vec![]),
        ("\\", vec![]),
        ("(((", vec![]),
        ("{rust}", all_rust.clone()),
        ("rust:", all_rust.clone()),
        ("col:rust", vec![]),
    ];
    for (term, expected) in cases {
        assert_eq!(find(&fx, term, now).await, expected, "searching {term:?}");
    }
    // Still all there.
    assert_eq!(home(&fx, now).await.len(), 3);
    assert!(
        fx.store
            .user_by_handle(&as_handle("alice"))
            .await
            .unwrap()
            .is_some()
    );
}

pub async fn search_skips_expired_cruds_and_replies(fx: Fixture) {
    let [alice, bob] = users(&fx, ["alice", "bob"]).await;
    let expires_at = at(60);
    let brief = crud(&fx, &alice, "ephemeral thought", at(0), expires_at).await;
    let lasting = post(&fx, &alice, "lasting thought", 1).await;
    // Replies are not cruds: search lists cruds.
    reply(&fx, &bob, lasting.uuid, "a thought in reply", at(2)).await;

    assert_eq!(
        find(&fx, "thought", expires_at - MICRO).await,
        [lasting.uuid, brief.uuid]
    );
    assert_eq!(find(&fx, "thought", expires_at).await, [lasting.uuid]);
    assert!(find(&fx, "ephemeral", expires_at).await.is_empty());
}

/// Purging deletes search entries with the cruds: nothing stale is found, even by a search
/// dated before the expiry, and what is posted afterwards is found as itself.
pub async fn search_stays_consistent_after_purge(fx: Fixture) {
    let alice = user(&fx, "alice").await;
    let live = post(&fx, &alice, "purge survivor", 1).await;
    // Posted last so that new rows may reuse their row ids once they are deleted.
    crud(&fx, &alice, "purge rust", at(2), at(10)).await;
    crud(&fx, &alice, "purge cloud", at(3), at(10)).await;

    assert_eq!(fx.store.purge_expired(at(10)).await.unwrap(), 2);
    // Dated before the expiry: only a real deletion hides them now.
    assert_eq!(find(&fx, "purge", at(5)).await, [live.uuid]);
    assert!(find(&fx, "rust", at(5)).await.is_empty());

    let fresh = post(&fx, &alice, "purge fresh", 20).await;
    let fresher = post(&fx, &alice, "purge fresher", 21).await;
    let now = at(30);
    assert_eq!(
        find(&fx, "purge", now).await,
        [fresher.uuid, fresh.uuid, live.uuid]
    );
    assert_eq!(find(&fx, "fresh", now).await, [fresh.uuid]);
    assert!(
        find(&fx, "rust", now).await.is_empty(),
        "no stale words on new cruds"
    );
    assert!(
        find(&fx, "cloud", now).await.is_empty(),
        "no stale words on new cruds"
    );

    assert_eq!(fx.store.purge_expired(at(10)).await.unwrap(), 0);
    assert_eq!(
        find(&fx, "purge", now).await,
        [fresher.uuid, fresh.uuid, live.uuid]
    );
}

/// Searches read a page whatever the term's frequency: a common word and a common hashtag (in
/// every crud), a rare word, and a common word with a hashtag, each walked page by page at sizes small and large
/// (a store may read a frequent term newest first and a rare one match by match). Every walk
/// gives the live matches in feed order, timestamp ties and the expiry boundary included.
pub async fn search_pages_agree_for_common_and_rare_terms(fx: Fixture) {
    let [alice, bob] = users(&fx, ["alice", "bob"]).await;
    let now = at(100);
    let mut cruds = Vec::new();
    for n in 0..60 {
        let tagged = if n % 6 == 0 { " #tag" } else { "" };
        let rare = if n % 20 == 0 { " rare" } else { "" };
        let message = format!("common crud {n} #all{tagged}{rare}");
        // Pairs share a time; every seventh expires exactly at `now`, so is no longer live.
        let expires = if n % 7 == 0 { now } else { far() };
        let author = if n % 2 == 0 { &alice } else { &bob };
        cruds.push(crud(&fx, author, &message, at(n / 2), expires).await);
    }
    let live = |keep: &dyn Fn(&str) -> bool| {
        let matching: Vec<_> = cruds
            .iter()
            .filter(|c| c.expires_at > now && keep(&c.message))
            .cloned()
            .collect();
        newest_first(&matching)
    };
    let cases: [(&str, Vec<ActivityId>); 5] = [
        ("common", live(&|_| true)),
        ("#all", live(&|_| true)),
        ("rare", live(&|m| m.contains("rare"))),
        ("common #tag", live(&|m| m.contains("#tag"))),
        (
            "#tag rare",
            live(&|m| m.contains("#tag") && m.contains("rare")),
        ),
    ];
    for (term, expected) in cases {
        for limit in [1, 5, 20, 100] {
            let pages = search_walk(&fx, term, limit, now).await;
            assert_eq!(flat_uuids(&pages), expected, "{term:?} by pages of {limit}");
        }
    }
}

/// A search whose terms are each in more cruds than a search reads at once, but rarely
/// together, stops short and says where, and walking on from there finds every match in feed
/// order, expiry and timestamp ties included. A lone common term and a rare one beside a
/// common one fill their pages without stopping.
pub async fn bounded_searches_go_on_from_where_they_stopped(fx: Fixture) {
    let author = bulk_user("alice");
    let now = at(10_000);
    let most = SearchPage::MOST_READ as i64;
    let mut batch = Batch {
        users: vec![author.clone()],
        ..Batch::default()
    };
    // Each side in more cruds than one search reads; both sides in one crud of 300, every
    // third of those expired at `now` exactly; two cruds a second, so times tie in pairs.
    for n in 0..(2 * most + 200) {
        let side = if n % 2 == 0 { "left" } else { "right" };
        let both = n % 300 == 1;
        let message = format!("crud {n} {side}{}", if both { " left right" } else { "" });
        let expires = if both && n % 900 == 1 { now } else { far() };
        batch
            .activities
            .push(bulk_crud(&author, &message, at(n / 2), expires));
    }
    fx.store.load(&batch).await.expect("load");
    let live = |keep: &dyn Fn(&str) -> bool| {
        let matching: Vec<_> = batch
            .activities
            .iter()
            .filter(|c| c.expires_at > now && keep(&c.message))
            .cloned()
            .collect();
        newest_first(&matching)
    };
    let both = live(&|m| m.contains("left") && m.contains("right"));
    assert!(both.len() >= 4, "the fixture has matches to find");

    for limit in [1, 3, 100] {
        let (pages, stops) = search_walk_counting_stops(&fx, "left right", limit, now).await;
        assert_eq!(flat_uuids(&pages), both, "left right by pages of {limit}");
        if limit == 100 {
            assert!(stops > 0, "left right never stopped short");
        }
    }
    let (pages, stops) = search_walk_counting_stops(&fx, "left", 100, now).await;
    assert_eq!(flat_uuids(&pages), live(&|m| m.contains("left")), "left");
    assert_eq!(stops, 0, "a lone term fills its pages");
    let (pages, stops) = search_walk_counting_stops(&fx, "crud 601", 100, now).await;
    assert_eq!(
        flat_uuids(&pages),
        live(&|m| m.starts_with("crud 601 ")),
        "crud 601"
    );
    assert_eq!(stops, 0, "a rare term leads the walk");
}
