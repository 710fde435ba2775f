//! `generate`: a synthetic Cruddur of any size, for the scale benchmark
//! (`scripts/bench-scale.sh`) and for trying the site with a full timeline.
//!
//! Everything follows from `--seed` and the sizes: the same arguments write the same rows
//! (uuids included), only placed relative to the time of the run. The data is shaped like a
//! real micro-blog rather than uniform noise:
//!
//! - words drawn from a fixed vocabulary of pronounceable syllable words by Zipf's law, plus
//!   [`COMMON_WORD`] in half of the cruds, [`POPULAR_HASHTAG`] in a fifth, a few other
//!   popular hashtags and a Zipf tail of rarer ones, and now and then an @mention;
//! - users ranked by popularity: the first is followed by half the users and followers fall
//!   off as 1/rank; authors are drawn by a Zipf law of the same ranks, so popular users post
//!   most;
//! - replies, likes and reposts per crud heavy-tailed around their means (most cruds get
//!   few, a handful get hundreds), each with the notification the write path would send;
//! - cruds spread over the last 30 days with the seven TTLs, nearly all live, a few expired
//!   and not purged yet; replies, likes and reposts between a crud's post and its expiry;
//! - a few conversations, most of them the most popular user's.
//!
//! Every generated user has the same password (hashed once). Rows go through
//! [`cruddur_store::Store::load`] in batches of about `--batch-rows` rows, generated on a
//! blocking thread while the previous batch is written; messages go through the message
//! store, one by one.

use cruddur_contract::{ActivityId, NotificationId, UserId};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{DateTime, TimeDelta, Utc};
use cruddur_contract::activity::CRUD_MAX_CHARS;
use cruddur_contract::{Handle, NotificationKind, Ttl};
use cruddur_store::{
    Batch, BulkActivity, BulkFollow, BulkNotification, BulkReaction, BulkUser, Participant, Stores,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

/// The word in half of the cruds.
pub const COMMON_WORD: &str = "cruddur";
/// The hashtag in a fifth of the cruds.
pub const POPULAR_HASHTAG: &str = "aws";
/// The popular hashtags and the share of cruds carrying each.
const HASHTAGS: &[(&str, f64)] = &[
    (POPULAR_HASHTAG, 0.20),
    ("rust", 0.06),
    ("docker", 0.04),
    ("cloudbootcamp", 0.03),
    ("security", 0.02),
];
const COMMON_WORD_SHARE: f64 = 0.5;
/// Share of cruds with one hashtag of the Zipf tail.
const TAIL_HASHTAG_SHARE: f64 = 0.25;
/// How many vocabulary words serve as tail hashtags.
const TAIL_HASHTAGS: usize = 5_000;
/// Share of cruds that @mention someone.
const MENTION_SHARE: f64 = 0.03;
/// Zipf exponent of authorship over users ranked by popularity.
const AUTHOR_EXPONENT: f64 = 0.8;
/// The most replies, likes or reposts one crud gets.
const MOST_PER_CRUD: usize = 1_000;
/// The crud the benchmark shows with its replies has the most replies up to this.
const THREAD_REPLIES: i64 = 20;
/// How far back cruds, follows and messages go.
const WINDOW: TimeDelta = TimeDelta::days(30);
/// TTLs of live cruds and how often each is picked. Expired ones take the same weights
/// without 30 days, whose expired cruds would be older than the window.
const TTL_WEIGHTS: [(Ttl, f64); 7] = [
    (Ttl::ThirtyDays, 0.30),
    (Ttl::SevenDays, 0.25),
    (Ttl::ThreeDays, 0.15),
    (Ttl::OneDay, 0.12),
    (Ttl::TwelveHours, 0.08),
    (Ttl::ThreeHours, 0.05),
    (Ttl::OneHour, 0.05),
];

/// The flags of `generate`.
#[derive(Debug, Clone, clap::Args)]
pub struct GenerateArgs {
    /// Cruds to write; replies, likes, reposts, follows and notifications come in proportion.
    #[arg(long, default_value_t = 10_000)]
    pub cruds: usize,
    /// Users to write (default: a hundredth of the cruds, at least 10).
    #[arg(long)]
    pub users: Option<usize>,
    /// Seed of every random choice: the same seed and sizes write the same data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The password of every generated user.
    #[arg(long, default_value = "cruddur-generated")]
    pub password: String,
    /// Mean replies per crud.
    #[arg(long, default_value_t = 0.5)]
    pub replies_per_crud: f64,
    /// Mean likes per crud.
    #[arg(long, default_value_t = 2.0)]
    pub likes_per_crud: f64,
    /// Mean reposts per crud.
    #[arg(long, default_value_t = 0.25)]
    pub reposts_per_crud: f64,
    /// Share of cruds already expired but not purged yet.
    #[arg(long, default_value_t = 0.05)]
    pub expired_share: f64,
    /// Words in the vocabulary.
    #[arg(long, default_value_t = 20_000)]
    pub vocabulary: usize,
    /// Zipf exponent of word frequencies.
    #[arg(long, default_value_t = 1.0)]
    pub word_exponent: f64,
    /// Conversations (direct-message groups) to write.
    #[arg(long, default_value_t = 40)]
    pub message_groups: usize,
    /// Rows per transaction, roughly.
    #[arg(long, default_value_t = 10_000)]
    pub batch_rows: usize,
}

impl GenerateArgs {
    fn users(&self) -> usize {
        self.users.unwrap_or(self.cruds / 100).max(10)
    }

    fn check(&self) -> anyhow::Result<()> {
        let shares = [
            ("--expired-share", self.expired_share),
            ("--replies-per-crud", self.replies_per_crud),
            ("--likes-per-crud", self.likes_per_crud),
            ("--reposts-per-crud", self.reposts_per_crud),
            ("--word-exponent", self.word_exponent),
        ];
        for (flag, value) in shares {
            if !(value.is_finite() && value >= 0.0) {
                bail!("{flag} must be a number ≥ 0, not {value}");
            }
        }
        if self.expired_share > 1.0 {
            bail!("--expired-share is a share, at most 1");
        }
        if self.vocabulary < 100 || self.vocabulary > 1_000_000 {
            bail!("--vocabulary must be between 100 and 1000000 words");
        }
        if self.users() > 10_000_000 {
            bail!("--users: at most 10000000");
        }
        if self.batch_rows == 0 {
            bail!("--batch-rows must be at least 1");
        }
        Ok(())
    }
}

/// What was written, and where to look in it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub users: usize,
    pub cruds: usize,
    pub replies: usize,
    pub likes: usize,
    pub reposts: usize,
    pub follows: usize,
    pub notifications: usize,
    pub message_groups: usize,
    pub messages: usize,
    pub elapsed: Duration,
    pub samples: Samples,
}

impl Summary {
    pub fn rows(&self) -> usize {
        self.users
            + self.cruds
            + self.replies
            + self.likes
            + self.reposts
            + self.follows
            + self.notifications
            + self.message_groups
            + self.messages
    }

    fn add(&mut self, batch: &Batch) {
        self.users += batch.users.len();
        let replies = batch
            .activities
            .iter()
            .filter(|activity| activity.reply_to.is_some())
            .count();
        self.replies += replies;
        self.cruds += batch.activities.len() - replies;
        self.likes += batch.likes.len();
        self.reposts += batch.reposts.len();
        self.follows += batch.follows.len();
        self.notifications += batch.notifications.len();
    }
}

/// Handles and terms worth reading back: what a benchmark asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Samples {
    /// The most followed and most active user, with the most notifications and messages.
    pub popular_user: String,
    pub popular_user_followers: usize,
    pub popular_user_cruds: usize,
    /// A user of middling popularity.
    pub user: String,
    pub user_cruds: usize,
    /// The live crud with the most replies up to 20, and how many it has.
    pub thread: Option<ActivityId>,
    pub thread_replies: i64,
    /// The rarest vocabulary word in a live crud, and in how many live cruds it is.
    pub rare_word: String,
    pub rare_word_cruds: usize,
    /// Someone the popular user has a conversation with.
    pub conversation_with: Option<String>,
}

/// Writes the data into `stores`, which must not hold generated users yet, printing progress
/// on stderr.
pub async fn generate(
    stores: &Stores,
    args: &GenerateArgs,
    now: DateTime<Utc>,
) -> anyhow::Result<Summary> {
    args.check()?;
    let started = Instant::now();
    let mut generator = Generator::new(args, now, String::new())?;
    let first = &generator.users[0].handle;
    if stores.store.user_by_handle(first).await?.is_some() {
        bail!(
            "the database already holds users generated with --seed {}",
            args.seed
        );
    }
    // One hash for every user: Argon2 takes tens of milliseconds.
    generator.password_hash = crate::auth::password::hash(args.password.clone()).await?;

    let total = args.cruds;
    let (sender, mut batches) = tokio::sync::mpsc::channel::<Batch>(2);
    let making = tokio::task::spawn_blocking(move || {
        let mut generator = generator;
        generator.run(|batch| sender.blocking_send(batch).is_ok());
        generator
    });
    let mut summary = Summary::default();
    let mut reported = Instant::now();
    let mut loaded: anyhow::Result<()> = Ok(());
    while let Some(batch) = batches.recv().await {
        if let Err(error) = stores.store.load(&batch).await {
            loaded = Err(error).context("loading a batch");
            break;
        }
        summary.add(&batch);
        if reported.elapsed() >= Duration::from_secs(2) {
            reported = Instant::now();
            eprintln!(
                "generate: {}/{total} cruds, {} rows, {:.1} s",
                summary.cruds,
                summary.rows(),
                started.elapsed().as_secs_f64()
            );
        }
    }
    // Dropping the receiver stops the generator if the loading failed.
    drop(batches);
    let mut generator = making.await.context("the generator thread")?;
    loaded?;

    let (groups, messages) = generator.messages(stores).await?;
    summary.message_groups = groups;
    summary.messages = messages;
    summary.samples = generator.samples();
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// A search whose terms are each common and all together in hardly any crud: the common word
/// and every popular hashtag. The costliest kind of search, as it walks as far as search goes.
pub fn worst_search() -> String {
    HASHTAGS
        .iter()
        .fold(COMMON_WORD.to_owned(), |search, (tag, _)| {
            format!("{search} #{tag}")
        })
}

/// Prints the summary: what was written, how fast, and `sample.KEY=VALUE` lines for scripts.
pub fn print_summary(summary: &Summary, args: &GenerateArgs) {
    let seconds = summary.elapsed.as_secs_f64();
    println!(
        "generated {} rows in {seconds:.1} s ({:.0} rows/s, {:.0} cruds/s)",
        summary.rows(),
        summary.rows() as f64 / seconds,
        summary.cruds as f64 / seconds
    );
    println!(
        "  users {}, cruds {}, replies {}, likes {}, reposts {}, follows {}, notifications {}, \
         message groups {}, messages {}",
        summary.users,
        summary.cruds,
        summary.replies,
        summary.likes,
        summary.reposts,
        summary.follows,
        summary.notifications,
        summary.message_groups,
        summary.messages
    );
    let samples = &summary.samples;
    println!(
        "  @{} is followed by {} and posted {} cruds; @{} posted {}",
        samples.popular_user,
        samples.popular_user_followers,
        samples.popular_user_cruds,
        samples.user,
        samples.user_cruds
    );
    println!(
        "  every generated user signs in with the password {:?}",
        args.password
    );
    println!("sample.password={}", args.password);
    println!("sample.popular_user={}", samples.popular_user);
    println!("sample.user={}", samples.user);
    println!("sample.common_word={COMMON_WORD}");
    println!("sample.popular_hashtag={POPULAR_HASHTAG}");
    println!("sample.rare_word={}", samples.rare_word);
    println!("sample.rare_word_cruds={}", samples.rare_word_cruds);
    println!("sample.worst_search={}", worst_search());
    if let Some(thread) = samples.thread {
        println!("sample.thread={thread}");
        println!("sample.thread_replies={}", samples.thread_replies);
    }
    if let Some(other) = &samples.conversation_with {
        println!("sample.conversation_with={other}");
    }
}

// --- distributions ------------------------------------------------------------------------

/// Ranks `0..n` drawn with probability proportional to `1 / (rank + 1)^exponent`.
pub(crate) struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    pub(crate) fn new(n: usize, exponent: f64) -> Zipf {
        assert!(n > 0, "a Zipf law over nothing");
        let mut total = 0.0;
        let cumulative = (1..=n)
            .map(|rank| {
                total += (rank as f64).powf(-exponent);
                total
            })
            .collect();
        Zipf { cumulative }
    }

    pub(crate) fn sample(&self, rng: &mut impl Rng) -> usize {
        let total = self.cumulative[self.cumulative.len() - 1];
        let x = rng.random::<f64>() * total;
        self.cumulative
            .partition_point(|&c| c <= x)
            .min(self.cumulative.len() - 1)
    }
}

/// A count with mean about `mean` and a power-law tail, P(X > x) = (1 + x/mean)^-2 before
/// rounding: most draws are 0 or 1, a few are in the hundreds. At most `cap`.
fn heavy_tail(rng: &mut impl Rng, mean: f64, cap: usize) -> usize {
    if mean <= 0.0 || cap == 0 {
        return 0;
    }
    // In (0, 1], so the power is finite.
    let u = 1.0 - rng.random::<f64>();
    let x = mean * (u.powf(-0.5) - 1.0);
    // Rounding up with probability the fraction keeps the mean.
    let whole = x.floor();
    let count = whole as usize + usize::from(rng.random::<f64>() < x - whole);
    count.min(cap)
}

const CONSONANTS: &[u8] = b"bdfghjklmnprstvz";
const VOWELS: &[u8] = b"aeiou";
const SYLLABLES: u64 = 16 * 5;

/// Syllable `index` (below [`SYLLABLES`]): a consonant and a vowel.
fn push_syllable(word: &mut String, index: u64) {
    word.push(char::from(CONSONANTS[(index / 5) as usize]));
    word.push(char::from(VOWELS[(index % 5) as usize]));
}

/// The fixed vocabulary, most common word first: the 80 one-syllable words, then two
/// syllables, and so on, each length in a scrambled order. Only consonant-vowel syllables, so
/// no word is `cruddur`, a popular hashtag or an English word with a consonant cluster.
pub(crate) fn vocabulary(size: usize) -> Vec<String> {
    let mut words = Vec::with_capacity(size);
    let mut syllables = 1u32;
    while words.len() < size {
        let block = SYLLABLES.pow(syllables);
        let wanted = (size - words.len()) as u64;
        for j in 0..block.min(wanted) {
            // 7919 is prime and divides no power of 80: a permutation of the block.
            let mut k = (j * 7919) % block;
            let mut word = String::with_capacity(2 * syllables as usize);
            for _ in 0..syllables {
                push_syllable(&mut word, k % SYLLABLES);
                k /= SYLLABLES;
            }
            words.push(word);
        }
        syllables += 1;
    }
    words
}

/// A random name of two or three syllables, capitalised.
fn name(rng: &mut impl Rng) -> String {
    let mut word = String::new();
    for _ in 0..rng.random_range(2..=3) {
        push_syllable(&mut word, rng.random_range(0..SYLLABLES));
    }
    capitalise(&word)
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn random_uuid(rng: &mut impl Rng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

fn pick_ttl(rng: &mut impl Rng, expired: bool) -> Ttl {
    let choices = if expired {
        &TTL_WEIGHTS[1..]
    } else {
        &TTL_WEIGHTS[..]
    };
    let total: f64 = choices.iter().map(|(_, weight)| weight).sum();
    let mut x = rng.random::<f64>() * total;
    for &(ttl, weight) in choices {
        if x < weight {
            return ttl;
        }
        x -= weight;
    }
    choices[choices.len() - 1].0
}

fn micros(delta: TimeDelta) -> i64 {
    delta.num_microseconds().expect("durations of days fit")
}

fn time(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).expect("times within the last years")
}

// --- the generator ------------------------------------------------------------------------

struct GeneratedUser {
    uuid: UserId,
    handle: Handle,
    display_name: String,
    created_at: i64,
}

/// Makes the rows, batch by batch; no I/O, so it runs on a blocking thread.
struct Generator {
    rng: StdRng,
    args: GenerateArgs,
    now: i64,
    password_hash: String,
    vocabulary: Vec<String>,
    words: Zipf,
    tail_tags: Zipf,
    authors: Zipf,
    users: Vec<GeneratedUser>,
    batch: Batch,
    /// Live cruds each vocabulary word is in.
    word_cruds: Vec<u32>,
    followers: Vec<usize>,
    user_cruds: Vec<usize>,
    thread: Option<(ActivityId, i64)>,
    conversation_with: Option<usize>,
}

impl Generator {
    fn new(args: &GenerateArgs, now: DateTime<Utc>, password_hash: String) -> anyhow::Result<Self> {
        let mut rng = StdRng::seed_from_u64(args.seed);
        let count = args.users();
        let now = now.timestamp_micros();
        let mut skeletons = std::collections::HashSet::with_capacity(count);
        let mut users = Vec::with_capacity(count);
        for index in 0..count {
            let (first, last) = (name(&mut rng), name(&mut rng));
            let text = format!("{}_{index}", first.to_lowercase());
            let handle = Handle::parse(&text)
                .with_context(|| format!("generated handle {text} is not a handle"))?;
            // Consonant-vowel names and a unique number make lookalikes impossible; checked
            // all the same, as a lookalike would fail a whole batch.
            if !skeletons.insert(handle.skeleton()) {
                bail!("generated handle {handle} looks like another one");
            }
            let joined = micros(WINDOW) + rng.random_range(0..micros(TimeDelta::days(365)));
            users.push(GeneratedUser {
                uuid: UserId(random_uuid(&mut rng)),
                handle,
                display_name: format!("{first} {last}"),
                created_at: now - joined,
            });
        }
        Ok(Generator {
            rng,
            now,
            password_hash,
            vocabulary: vocabulary(args.vocabulary),
            words: Zipf::new(args.vocabulary, args.word_exponent),
            tail_tags: Zipf::new(TAIL_HASHTAGS.min(args.vocabulary), 1.0),
            authors: Zipf::new(count, AUTHOR_EXPONENT),
            word_cruds: vec![0; args.vocabulary],
            followers: vec![0; count],
            user_cruds: vec![0; count],
            thread: None,
            conversation_with: None,
            users,
            batch: Batch::default(),
            args: args.clone(),
        })
    }

    /// Hands every batch to `send`; stops early when it returns false.
    fn run(&mut self, mut send: impl FnMut(Batch) -> bool) {
        let mut flush = |generator: &mut Generator, force: bool| {
            if generator.batch.rows() >= generator.args.batch_rows
                || (force && !generator.batch.is_empty())
            {
                send(std::mem::take(&mut generator.batch))
            } else {
                true
            }
        };
        for index in 0..self.users.len() {
            self.user(index);
            if !flush(self, false) {
                return;
            }
        }
        // Users first, all of them: every later row may refer to any user.
        if !flush(self, true) {
            return;
        }
        for followee in 0..self.users.len() {
            self.followers_of(followee);
            if !flush(self, false) {
                return;
            }
        }
        for _ in 0..self.args.cruds {
            self.crud();
            if !flush(self, false) {
                return;
            }
        }
        flush(self, true);
    }

    fn user(&mut self, index: usize) {
        let bio = self.sentence(3, 10);
        let user = &self.users[index];
        self.batch.users.push(BulkUser {
            uuid: user.uuid,
            display_name: user.display_name.clone(),
            handle: user.handle.clone(),
            email: format!("{}@example.com", user.handle),
            password_hash: self.password_hash.clone(),
            bio,
            created_at: time(user.created_at),
        });
    }

    /// User `rank` is followed by about half the users over `rank + 1`.
    fn followers_of(&mut self, rank: usize) {
        let others = self.users.len() - 1;
        let count = ((self.users.len() / 2) as f64 / (rank + 1) as f64).round() as usize;
        let count = count.min(others);
        self.followers[rank] = count;
        let followee = self.users[rank].uuid;
        for other in rand::seq::index::sample(&mut self.rng, others, count) {
            let follower = if other >= rank { other + 1 } else { other };
            let after = self.users[rank]
                .created_at
                .max(self.users[follower].created_at);
            let created_at = time(self.rng.random_range(after..self.now));
            let follower = self.users[follower].uuid;
            self.batch.follows.push(BulkFollow {
                follower,
                followee,
                created_at,
            });
            self.batch.notifications.push(BulkNotification {
                uuid: NotificationId(random_uuid(&mut self.rng)),
                recipient: followee,
                actor: follower,
                kind: NotificationKind::Follow,
                activity: None,
                created_at,
            });
        }
    }

    /// One crud with its replies, likes, reposts and their notifications.
    fn crud(&mut self) {
        let author = self.authors.sample(&mut self.rng);
        let expired = self.rng.random_bool(self.args.expired_share);
        let ttl = micros(pick_ttl(&mut self.rng, expired).duration());
        let window = micros(WINDOW);
        let age = if expired {
            ttl + self.rng.random_range(0..ttl.min(window - ttl))
        } else {
            self.rng.random_range(0..ttl.min(window))
        };
        let created_at = self.now - age;
        let expires_at = created_at + ttl;
        // Everything about the crud happens between its post and its expiry.
        let end = expires_at.min(self.now);
        let live = expires_at > self.now;

        let (message, words, mentioned) = self.crud_text(author);
        let uuid = ActivityId(random_uuid(&mut self.rng));
        let author_uuid = self.users[author].uuid;
        if let Some(mentioned) = mentioned {
            self.batch.notifications.push(BulkNotification {
                uuid: NotificationId(random_uuid(&mut self.rng)),
                recipient: self.users[mentioned].uuid,
                actor: author_uuid,
                kind: NotificationKind::Mention,
                activity: Some(uuid),
                created_at: time(created_at),
            });
        }

        let replies = heavy_tail(&mut self.rng, self.args.replies_per_crud, MOST_PER_CRUD);
        for _ in 0..replies {
            let replier = self.authors.sample(&mut self.rng);
            let at = time(self.rng.random_range(created_at..=end));
            let reply = ActivityId(random_uuid(&mut self.rng));
            let message = self.sentence(3, 12);
            self.batch.activities.push(BulkActivity {
                uuid: reply,
                author: self.users[replier].uuid,
                reply_to: Some(uuid),
                message,
                created_at: at,
                expires_at: time(expires_at),
                likes_count: 0,
                replies_count: 0,
                reposts_count: 0,
            });
            if replier != author {
                self.batch.notifications.push(BulkNotification {
                    uuid: NotificationId(random_uuid(&mut self.rng)),
                    recipient: author_uuid,
                    actor: self.users[replier].uuid,
                    kind: NotificationKind::Reply,
                    activity: Some(reply),
                    created_at: at,
                });
            }
        }
        let likes = self.reactions(uuid, author, created_at, end, NotificationKind::Like);
        let reposts = self.reactions(uuid, author, created_at, end, NotificationKind::Repost);

        let replies = replies as i64;
        self.batch.activities.push(BulkActivity {
            uuid,
            author: author_uuid,
            reply_to: None,
            message,
            created_at: time(created_at),
            expires_at: time(expires_at),
            likes_count: likes as i64,
            replies_count: replies,
            reposts_count: reposts as i64,
        });
        if live {
            self.user_cruds[author] += 1;
            for word in words {
                self.word_cruds[word] += 1;
            }
            let best = self.thread.map_or(0, |(_, count)| count);
            if replies > best && replies <= THREAD_REPLIES {
                self.thread = Some((uuid, replies));
            }
        }
    }

    /// Likes or reposts of crud `activity` by distinct users other than its author; returns
    /// how many.
    fn reactions(
        &mut self,
        activity: ActivityId,
        author: usize,
        from: i64,
        to: i64,
        kind: NotificationKind,
    ) -> usize {
        let mean = match kind {
            NotificationKind::Like => self.args.likes_per_crud,
            _ => self.args.reposts_per_crud,
        };
        let others = self.users.len() - 1;
        let count = heavy_tail(&mut self.rng, mean, MOST_PER_CRUD.min(others));
        let recipient = self.users[author].uuid;
        for other in rand::seq::index::sample(&mut self.rng, others, count) {
            let user = self.users[if other >= author { other + 1 } else { other }].uuid;
            let created_at = time(self.rng.random_range(from..=to));
            let reaction = BulkReaction {
                activity,
                user,
                created_at,
            };
            match kind {
                NotificationKind::Like => self.batch.likes.push(reaction),
                _ => self.batch.reposts.push(reaction),
            }
            self.batch.notifications.push(BulkNotification {
                uuid: NotificationId(random_uuid(&mut self.rng)),
                recipient,
                actor: user,
                kind,
                activity: Some(activity),
                created_at,
            });
        }
        count
    }

    /// A crud's text, the vocabulary words in it and whom it mentions.
    fn crud_text(&mut self, author: usize) -> (String, Vec<usize>, Option<usize>) {
        let mut words: Vec<usize> = (0..self.rng.random_range(4..=24))
            .map(|_| self.words.sample(&mut self.rng))
            .collect();
        let common_at = self
            .rng
            .random_bool(COMMON_WORD_SHARE)
            .then(|| self.rng.random_range(0..=words.len()));

        let mut prefix = String::new();
        let mut mentioned = None;
        if self.rng.random_bool(MENTION_SHARE) {
            let other = self.authors.sample(&mut self.rng);
            if other != author {
                prefix = format!("@{} ", self.users[other].handle);
                mentioned = Some(other);
            }
        }
        let mut tags: Vec<&str> = HASHTAGS
            .iter()
            .filter(|&&(_, share)| self.rng.random_bool(share))
            .map(|&(tag, _)| tag)
            .collect();
        let mut tail = None;
        if self.rng.random_bool(TAIL_HASHTAG_SHARE) {
            // Spread over the vocabulary rather than its most common words.
            let rank = self.tail_tags.sample(&mut self.rng);
            let word = (rank * 7 + 3) % self.vocabulary.len();
            tags.push(&self.vocabulary[word]);
            tail = Some(word);
        }
        let suffix: String = tags.iter().map(|tag| format!(" #{tag}")).collect();

        loop {
            let mut sentence: Vec<&str> = words.iter().map(|&w| &*self.vocabulary[w]).collect();
            if let Some(at) = common_at {
                sentence.insert(at.min(sentence.len()), COMMON_WORD);
            }
            let text = format!("{prefix}{}.{suffix}", capitalise(&sentence.join(" ")));
            if text.chars().count() <= CRUD_MAX_CHARS || words.len() <= 1 {
                words.extend(tail);
                words.sort_unstable();
                words.dedup();
                return (text, words, mentioned);
            }
            words.pop();
        }
    }

    /// `min..=max` vocabulary words as a capitalised sentence.
    fn sentence(&mut self, min: usize, max: usize) -> String {
        let count = self.rng.random_range(min..=max);
        let words: Vec<&str> = (0..count)
            .map(|_| &*self.vocabulary[self.words.sample(&mut self.rng)])
            .collect();
        format!("{}.", capitalise(&words.join(" ")))
    }

    /// Conversations: half of them (at most) the popular user's with the next most popular,
    /// the rest between users drawn by popularity. Returns groups and messages written.
    async fn messages(&mut self, stores: &Stores) -> anyhow::Result<(usize, usize)> {
        let count = self.users.len();
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        let with_popular = (self.args.message_groups / 2).min(count - 1);
        pairs.extend((1..=with_popular).map(|other| (0, other)));
        let mut attempts = 0;
        while pairs.len() < self.args.message_groups && attempts < 100 * self.args.message_groups {
            attempts += 1;
            let a = self.authors.sample(&mut self.rng);
            let b = self.rng.random_range(0..count);
            let pair = (a.min(b), a.max(b));
            if a != b && !pairs.contains(&pair) {
                pairs.push(pair);
            }
        }
        self.conversation_with = pairs.first().map(|&(_, other)| other);

        let mut messages = 0;
        for &(a, b) in &pairs {
            let participants = [a, b].map(|index| {
                let user = &self.users[index];
                Participant {
                    uuid: user.uuid,
                    handle: user.handle.clone(),
                    display_name: user.display_name.clone(),
                }
            });
            let mut times: Vec<i64> = (0..self.rng.random_range(3..=12))
                .map(|_| self.now - self.rng.random_range(0..micros(WINDOW)))
                .collect();
            times.sort_unstable();
            for at in times {
                let from = usize::from(self.rng.random_bool(0.5));
                let text = self.sentence(3, 15);
                stores
                    .messages
                    .send_message(
                        &participants[from],
                        &participants[1 - from],
                        &text,
                        time(at),
                    )
                    .await?;
                messages += 1;
            }
        }
        Ok((pairs.len(), messages))
    }

    fn samples(&self) -> Samples {
        let middle = self.users.len() / 2;
        let (rare_word, rare_word_cruds) = self
            .word_cruds
            .iter()
            .enumerate()
            .rev()
            .find(|&(_, &count)| count > 0)
            .map_or((String::new(), 0), |(word, &count)| {
                (self.vocabulary[word].clone(), count as usize)
            });
        Samples {
            popular_user: self.users[0].handle.to_string(),
            popular_user_followers: self.followers[0],
            popular_user_cruds: self.user_cruds[0],
            user: self.users[middle].handle.to_string(),
            user_cruds: self.user_cruds[middle],
            thread: self.thread.map(|(uuid, _)| uuid),
            thread_replies: self.thread.map_or(0, |(_, count)| count),
            rare_word,
            rare_word_cruds,
            conversation_with: self
                .conversation_with
                .map(|i| self.users[i].handle.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use chrono::SubsecRound;
    use cruddur_contract::text;
    use cruddur_store::Page;

    use super::*;

    fn args(cruds: usize) -> GenerateArgs {
        GenerateArgs {
            cruds,
            users: None,
            seed: 7,
            password: "generated password".into(),
            replies_per_crud: 0.5,
            likes_per_crud: 2.0,
            reposts_per_crud: 0.25,
            expired_share: 0.05,
            vocabulary: 20_000,
            word_exponent: 1.0,
            message_groups: 6,
            batch_rows: 1_000,
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp_micros(1_767_225_600_123_456).unwrap()
    }

    /// Every batch the generator makes, without a database.
    fn batches(args: &GenerateArgs) -> Vec<Batch> {
        let mut generator = Generator::new(args, now(), "hash".into()).unwrap();
        let mut made = Vec::new();
        generator.run(|batch| {
            made.push(batch);
            true
        });
        made
    }

    fn cruds(batches: &[Batch]) -> impl Iterator<Item = &BulkActivity> {
        batches
            .iter()
            .flat_map(|batch| &batch.activities)
            .filter(|activity| activity.reply_to.is_none())
    }

    #[test]
    fn the_same_seed_makes_the_same_data() {
        let first = batches(&args(300));
        let again = batches(&args(300));
        let other = batches(&GenerateArgs {
            seed: 8,
            ..args(300)
        });
        let texts = |batches: &[Batch]| -> Vec<(ActivityId, String)> {
            cruds(batches)
                .map(|crud| (crud.uuid, crud.message.clone()))
                .collect()
        };
        assert_eq!(texts(&first), texts(&again));
        assert_ne!(texts(&first), texts(&other));
        assert_eq!(cruds(&first).count(), 300);
    }

    #[test]
    fn words_follow_zipf_and_the_fixed_shares_hold() {
        let args = args(5_000);
        let made = batches(&args);
        let vocabulary = vocabulary(args.vocabulary);
        let rank: HashMap<&str, usize> = vocabulary
            .iter()
            .enumerate()
            .map(|(rank, word)| (word.as_str(), rank))
            .collect();
        let mut counts = vec![0usize; vocabulary.len()];
        let (mut common, mut popular_tag, mut total) = (0, 0, 0);
        for crud in cruds(&made) {
            total += 1;
            assert!(crud.message.chars().count() <= CRUD_MAX_CHARS);
            let lower = crud.message.to_lowercase();
            for word in lower.split(|c: char| !c.is_alphanumeric() && c != '_') {
                if let Some(&rank) = rank.get(word) {
                    counts[rank] += 1;
                }
            }
            common += usize::from(
                lower
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|w| w == COMMON_WORD),
            );
            popular_tag += usize::from(
                text::hashtags(&crud.message)
                    .iter()
                    .any(|t| t == POPULAR_HASHTAG),
            );
        }
        // Zipf with exponent 1: the 100th word a hundredth as frequent as the first.
        assert!(
            counts[0] > 20 * counts[99].max(1),
            "{} vs {}",
            counts[0],
            counts[99]
        );
        assert!(counts[0] > counts[9] && counts[9] > counts[999]);
        let share = |n: usize| n as f64 / total as f64;
        assert!(
            (share(common) - 0.5).abs() < 0.04,
            "{COMMON_WORD}: {}",
            share(common)
        );
        assert!(
            (share(popular_tag) - 0.2).abs() < 0.03,
            "#{POPULAR_HASHTAG}: {}",
            share(popular_tag)
        );
        // Fixed, and shaped as promised.
        assert_eq!(vocabulary, super::vocabulary(args.vocabulary));
        assert_eq!(
            vocabulary.iter().collect::<HashSet<_>>().len(),
            vocabulary.len()
        );
        assert!(
            !vocabulary
                .iter()
                .any(|w| w == COMMON_WORD || HASHTAGS.iter().any(|(t, _)| t == w))
        );
    }

    #[test]
    fn rows_are_consistent_and_shaped_like_a_social_network() {
        let args = args(3_000);
        let made = batches(&args);
        let users: Vec<&BulkUser> = made.iter().flat_map(|b| &b.users).collect();
        assert_eq!(users.len(), 30, "a hundredth of the cruds, at least 10");
        let follows: Vec<&BulkFollow> = made.iter().flat_map(|b| &b.follows).collect();
        let popular = follows
            .iter()
            .filter(|f| f.followee == users[0].uuid)
            .count();
        assert_eq!(popular, 15, "the popular user is followed by half");
        let last = follows
            .iter()
            .filter(|f| f.followee == users[29].uuid)
            .count();
        assert!(last <= 1);
        assert!(follows.iter().all(|f| f.follower != f.followee));

        let activities: HashMap<ActivityId, &BulkActivity> = made
            .iter()
            .flat_map(|b| &b.activities)
            .map(|a| (a.uuid, a))
            .collect();
        let mut replies: HashMap<ActivityId, i64> = HashMap::new();
        let now = now();
        for activity in activities.values() {
            if let Some(crud) = activity.reply_to {
                let crud = activities[&crud];
                assert_eq!(activity.expires_at, crud.expires_at);
                assert!(activity.created_at >= crud.created_at && activity.created_at <= now);
                *replies.entry(crud.uuid).or_default() += 1;
            } else {
                let ttl = activity.expires_at - activity.created_at;
                assert!(Ttl::ALL.iter().any(|t| t.duration() == ttl), "{ttl}");
                assert!(now - activity.created_at <= WINDOW);
            }
        }
        let mut likes: HashMap<ActivityId, i64> = HashMap::new();
        for like in made.iter().flat_map(|b| &b.likes) {
            assert!(like.created_at <= now);
            *likes.entry(like.activity).or_default() += 1;
        }
        for crud in cruds(&made) {
            assert_eq!(
                crud.replies_count,
                replies.get(&crud.uuid).copied().unwrap_or(0)
            );
            assert_eq!(
                crud.likes_count,
                likes.get(&crud.uuid).copied().unwrap_or(0)
            );
        }
        let expired = cruds(&made).filter(|c| c.expires_at <= now).count();
        assert!((50..=250).contains(&expired), "{expired} expired of 3000");

        let notifications: Vec<&BulkNotification> =
            made.iter().flat_map(|b| &b.notifications).collect();
        assert!(
            notifications.iter().all(|n| n.recipient != n.actor),
            "nobody notifies themselves"
        );
        let kinds: HashSet<NotificationKind> = notifications.iter().map(|n| n.kind).collect();
        assert_eq!(kinds, HashSet::from(NotificationKind::ALL));
        let uuids: HashSet<NotificationId> = notifications.iter().map(|n| n.uuid).collect();
        assert_eq!(uuids.len(), notifications.len());
        let likes_noted = notifications
            .iter()
            .filter(|n| n.kind == NotificationKind::Like)
            .count();
        assert_eq!(likes_noted, likes.values().sum::<i64>() as usize);
    }

    #[test]
    fn zipf_and_heavy_tail_are_what_they_say() {
        let mut rng = StdRng::seed_from_u64(1);
        let zipf = Zipf::new(1_000, 1.0);
        let mut counts = vec![0usize; 1_000];
        for _ in 0..200_000 {
            counts[zipf.sample(&mut rng)] += 1;
        }
        // P(rank 0) / P(rank 1) = 2, P(rank 0) / P(rank 99) = 100.
        let ratio = counts[0] as f64 / counts[1] as f64;
        assert!((1.8..2.2).contains(&ratio), "{ratio}");
        assert!(counts[0] > 50 * counts[99]);

        let draws: Vec<usize> = (0..200_000)
            .map(|_| heavy_tail(&mut rng, 2.0, 1_000))
            .collect();
        let mean = draws.iter().sum::<usize>() as f64 / draws.len() as f64;
        assert!((1.7..2.3).contains(&mean), "mean {mean}");
        let zeros = draws.iter().filter(|&&d| d == 0).count();
        assert!(zeros > draws.len() / 4, "most cruds get little");
        assert!(draws.iter().any(|&d| d >= 100), "a few get a lot");
    }

    #[tokio::test]
    async fn generates_into_a_store_that_reads_it_back() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}/generated.db", dir.path().display());
        let stores = cruddur_store::open(&url, true).await.unwrap();
        let now = Utc::now().trunc_subsecs(6);
        let args = args(2_000);
        let summary = generate(&stores, &args, now).await.unwrap();
        assert_eq!((summary.users, summary.cruds), (20, 2_000));
        assert!(summary.messages >= summary.message_groups * 3);
        let samples = &summary.samples;

        let home = stores.store.home_feed(&Page::first(20), now).await.unwrap();
        assert_eq!(home.len(), 20);
        assert!(
            home.windows(2)
                .all(|pair| pair[0].created_at >= pair[1].created_at)
        );
        let popular = stores
            .store
            .credentials(&samples.popular_user)
            .await
            .unwrap()
            .unwrap();
        assert!(
            crate::auth::password::verify(args.password.clone(), popular.password_hash)
                .await
                .unwrap()
        );
        let profile = stores
            .store
            .profile(&Handle::parse(&samples.popular_user).unwrap(), None, now)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(profile.followers_count, 10);
        assert_eq!(profile.cruds_count as usize, samples.popular_user_cruds);
        let notes = stores
            .store
            .notifications(popular.user.uuid, &Page::first(20), now)
            .await
            .unwrap();
        assert_eq!(notes.len(), 20);
        let rare = cruddur_store::SearchTerms::parse(&samples.rare_word);
        let found = stores
            .store
            .search(&rare, &Page::first(100), now)
            .await
            .unwrap();
        assert_eq!(found.activities.len(), samples.rare_word_cruds);
        let thread = stores
            .store
            .activity(samples.thread.unwrap(), now)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(thread.replies.len() as i64, samples.thread_replies);
        let other = stores
            .store
            .user_by_handle(&Handle::parse(samples.conversation_with.as_deref().unwrap()).unwrap())
            .await
            .unwrap()
            .unwrap();
        let talk = stores
            .messages
            .conversation(
                &Participant::from(&popular.user),
                &Participant::from(&other),
                &Page::first(100),
            )
            .await
            .unwrap();
        assert!(talk.len() >= 3);

        let again = generate(&stores, &args, now).await.unwrap_err();
        assert!(again.to_string().contains("already holds"), "{again}");
    }
}
