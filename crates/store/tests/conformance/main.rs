//! The store conformance suite: one set of tests that every store backend must pass.
//!
//! Each test is an `async fn(Fixture)` written once in its area's module; the macros below
//! instantiate it per backend as `sqlite::<test>`, `postgres::<test>` and `dynamodb::<test>`,
//! so `cargo test -p cruddur-store --test conformance sqlite` runs one backend. The PostgreSQL
//! and DynamoDB tests are ignored by default; `-- --ignored` runs them against the server named
//! by `CRUDDUR_TEST_POSTGRES_URL` and the emulator named by `CRUDDUR_TEST_DYNAMODB_URL`, and
//! they fail (never skip) when it is missing.
//!
//! The message tests live in their own module and only touch `fx.messages` for messaging, so a
//! message store of another kind (DynamoDB) can reuse them with a fixture that swaps `messages`.

mod accounts;
mod bulk;
mod cruds;
mod deletes;
mod feeds;
mod fixture;
mod follows;
mod helpers;
mod likes;
mod messages;
mod notifications;
mod open;
mod purge;
mod search;

/// One `#[tokio::test]` running `$module::$test` on a fresh fixture of `$backend`. `multi` puts
/// it on the multi-threaded runtime, for tests whose point is concurrency.
macro_rules! conformance_test {
    (single, [$(#[$attr:meta])*], $backend:expr, $module:ident :: $test:ident) => {
        #[tokio::test]
        $(#[$attr])*
        async fn $test() {
            crate::fixture::run($backend, crate::$module::$test).await
        }
    };
    (multi, [$(#[$attr:meta])*], $backend:expr, $module:ident :: $test:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        $(#[$attr])*
        async fn $test() {
            crate::fixture::run($backend, crate::$module::$test).await
        }
    };
}

/// Instantiates every listed test for one backend; `$attrs` is a bracketed list of extra
/// attributes (e.g. `#[ignore]`) put on each.
macro_rules! instantiate {
    ($backend:expr, $attrs:tt; $($flavor:ident $module:ident :: $test:ident),* $(,)?) => {
        $( conformance_test!($flavor, $attrs, $backend, $module :: $test); )*
    };
}

/// The tests of [`cruddur_store::Store`].
macro_rules! store_tests {
    ($backend:expr, $attrs:tt) => {
        instantiate!($backend, $attrs;
            single open::open_rejects_unsupported_urls,
            single open::migrating_again_is_harmless_and_keeps_data,
            single open::a_database_a_later_release_migrated_still_opens,

            single accounts::created_user_reads_back,
            single accounts::taken_handle_is_case_insensitive,
            single accounts::a_handle_that_looks_like_a_taken_one_is_taken,
            single accounts::taken_email_is_case_insensitive,
            single accounts::credentials_by_handle_or_email_case_insensitive,
            single accounts::user_by_handle_is_case_insensitive,
            single accounts::update_user_changes_only_given_fields,
            single accounts::profile_counts_live_cruds_and_follows,
            single accounts::session_lives_until_expiry_or_deletion,

            single cruds::created_crud_shows_every_field,
            single cruds::show_lists_replies_oldest_first,
            single cruds::expiry_boundary_holds_everywhere,
            single cruds::reply_uuid_is_not_showable,
            single cruds::reply_to_expired_or_unknown_crud_is_none,
            single cruds::a_reply_to_a_reply_joins_its_thread,
            single cruds::reply_expires_with_its_crud,

            single feeds::home_feed_is_newest_first_without_replies,
            single feeds::user_feed_lists_one_users_cruds,
            single feeds::feeds_paginate_45_items_exactly_once,
            single feeds::feeds_paginate_created_at_ties_without_loss,
            single feeds::latest_replies_are_each_cruds_newest_few_oldest_first,
            single feeds::following_feed_lists_the_followed_and_oneself_in_pages,

            single deletes::deleting_a_crud_takes_its_thread_reactions_and_notifications,
            single deletes::a_reply_goes_alone_and_only_its_author_deletes,

            single likes::likes_count_goes_up_and_down,
            single likes::like_and_unlike_are_idempotent,
            single likes::like_unknown_or_expired_is_false,
            single likes::liking_a_reply_counts_on_the_reply,
            single likes::reposts_count_goes_up_and_down_idempotently,
            single likes::repost_unknown_or_expired_is_false,
            single likes::reactions_name_what_the_viewer_likes_and_reposts,
            multi likes::concurrent_likes_from_ten_users_count_ten,
            multi likes::concurrent_repeated_likes_count_once,

            single follows::follow_and_unfollow_are_idempotent,
            single follows::follow_unknown_handle_is_none,

            single notifications::reply_notifies_crud_author,
            single notifications::mention_notifies_each_mentioned_user_once,
            single notifications::like_notifies_author,
            single notifications::repost_notifies_author,
            single notifications::follow_notifies_followed_user,
            single notifications::nobody_is_notified_of_their_own_acts,
            single notifications::relike_refollow_and_rerepost_do_not_notify_again,
            single notifications::notifications_are_newest_first,
            single notifications::notifications_paginate_without_loss,
            single notifications::notifications_hidden_once_crud_expired,

            single search::search_matches_whole_words_case_insensitively,
            single search::search_requires_every_word,
            single search::search_pages_agree_for_common_and_rare_terms,
            single search::bounded_searches_go_on_from_where_they_stopped,
            single search::hashtag_search_requires_the_tag,
            single search::search_syntax_in_term_is_harmless,
            single search::search_skips_expired_cruds_and_replies,
            single search::search_stays_consistent_after_purge,

            single purge::purge_deletes_exactly_expired_cruds_and_their_replies,
            single purge::purge_is_idempotent_and_spares_live_data,
            single purge::purge_deletes_expired_sessions,
            single purge::purge_works_through_a_backlog_in_batches,

            single bulk::loaded_batches_read_back_like_written_ones,
            single bulk::a_batch_that_breaks_a_constraint_writes_nothing,
        );
    };
}

/// The tests of [`cruddur_store::MessageStore`].
macro_rules! message_tests {
    ($backend:expr, $attrs:tt) => {
        instantiate!($backend, $attrs;
            single messages::first_message_creates_group_for_both,
            single messages::new_message_updates_preview_and_group_order,
            single messages::conversation_is_newest_first_from_either_side,
            single messages::one_group_per_pair_whoever_writes_first,
            single messages::conversations_of_any_year_list_by_last_message,
            multi messages::concurrent_first_messages_share_one_group,
            multi messages::both_writing_at_once_loses_nothing,
            single messages::group_messages_unknown_or_foreign_group_is_refused,
            single messages::messages_paginate_without_loss,
            single messages::message_groups_paginate_without_loss,
        );
    };
}

mod sqlite {
    use crate::fixture::Backend;

    store_tests!(Backend::Sqlite, []);
    message_tests!(Backend::Sqlite, []);
}

mod postgres {
    use crate::fixture::Backend;

    store_tests!(
        Backend::Postgres,
        [#[ignore = "needs CRUDDUR_TEST_POSTGRES_URL; run with --ignored"]]
    );
    message_tests!(
        Backend::Postgres,
        [#[ignore = "needs CRUDDUR_TEST_POSTGRES_URL; run with --ignored"]]
    );
}

/// Messages only: the accounts stay in SQLite, whose `Store` tests cover them above.
mod dynamodb {
    use crate::fixture::Backend;

    message_tests!(
        Backend::DynamoDb,
        [#[ignore = "needs CRUDDUR_TEST_DYNAMODB_URL; run with --ignored"]]
    );
}
