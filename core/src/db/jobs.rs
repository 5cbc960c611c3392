//! The outbox: notification jobs, enqueued on the caller's connection inside the caller's
//! transaction, claimed by notifier workers under a lease.

use crate::ids::PatientId;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::notification_jobs as nj;
use super::{new_id, to_db, DbConn};

pub const PENDING: &str = "pending";
pub const RUNNING: &str = "running";
pub const DONE: &str = "done";
pub const DEAD: &str = "dead";
/// `provider_ref` of a job told within another job's message: `folded:<lead id>`.
pub const FOLDED_PREFIX: &str = "folded:";

/// A job to send one message on one channel to one recipient about one event.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub job_type: String,
    pub channel: String,
    pub patient_id: Option<PatientId>,
    /// `(event, channel, recipient)`: a second enqueue of the same key is ignored, so a
    /// retried request never makes a second message.
    pub dedupe_key: String,
    pub payload: serde_json::Value,
    pub max_attempts: i32,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = nj)]
pub struct Job {
    pub id: String,
    pub job_type: String,
    pub channel: String,
    pub patient_id: Option<PatientId>,
    pub dedupe_key: String,
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: NaiveDateTime,
    pub lease_owner: Option<String>,
    pub lease_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub provider_ref: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    /// Claimed before lower ones (see `priority_of`).
    pub priority: i32,
    /// Units of the job already settled, for a job with several (push: the devices),
    /// so that a retry redoes only the others. JSON, read by the notifier.
    pub progress: Option<String>,
}

/// Claim order: a code or an access key the patient is waiting for right now (2), then
/// a lockout warning (1), then every notice (0). With a national backlog of access
/// notices queued, a sign-in code must not wait behind them.
pub fn priority_of(job_type: &str) -> i32 {
    match job_type {
        "verification_code" | "access_key_issued" => 2,
        "access_key_locked" | "code_locked" => 1,
        _ => 0,
    }
}

/// Enqueues in the caller's transaction; returns false if the dedupe key already exists.
pub fn enqueue(conn: &mut DbConn, job: &NewJob, now: DateTime<Utc>) -> QueryResult<bool> {
    Ok(enqueue_all(conn, std::slice::from_ref(job), now)? == 1)
}

/// Enqueues every job in one statement in the caller's transaction (one round trip for
/// all of a notice's channels); returns how many were added, those whose dedupe key
/// already existed left out.
pub fn enqueue_all(conn: &mut DbConn, jobs: &[NewJob], now: DateTime<Utc>) -> QueryResult<usize> {
    if jobs.is_empty() {
        return Ok(0);
    }
    let now = to_db(now);
    let rows: Vec<Job> = jobs.iter().map(|job| new_row(job, now)).collect();
    match conn {
        // One statement, one round trip, for every row.
        DbConn::Postgres(c) => {
            let inserted = diesel::insert_into(nj::table)
                .values(&rows)
                .on_conflict(nj::dedupe_key)
                .do_nothing()
                .execute(c)?;
            // Only PostgreSQL has workers to wake (LISTEN); SQLite's poll.
            if inserted > 0 {
                super::job_wakeup::job_enqueued();
            }
            Ok(inserted)
        }
        // diesel has no multi-row insert with ON CONFLICT for SQLite; it is in-process,
        // so a statement per row costs no round trip.
        DbConn::Sqlite(c) => rows.iter().try_fold(0, |added, row| {
            let one = diesel::insert_into(nj::table)
                .values(row)
                .on_conflict(nj::dedupe_key)
                .do_nothing()
                .execute(c)?;
            Ok(added + one)
        }),
    }
}

fn new_row(job: &NewJob, now: NaiveDateTime) -> Job {
    Job {
        id: new_id(),
        job_type: job.job_type.clone(),
        channel: job.channel.clone(),
        patient_id: job.patient_id.clone(),
        dedupe_key: job.dedupe_key.clone(),
        payload: job.payload.to_string(),
        status: PENDING.to_owned(),
        attempts: 0,
        max_attempts: job.max_attempts,
        run_at: now,
        lease_owner: None,
        lease_until: None,
        last_error: None,
        provider_ref: None,
        created_at: now,
        updated_at: now,
        finished_at: None,
        priority: priority_of(&job.job_type),
        progress: None,
    }
}

/// Claims up to `limit` jobs that are due (or whose lease ran out) for `lease_secs`.
/// PostgreSQL skips rows other workers hold; SQLite has one writer at a time anyway.
/// Returns the claimed jobs, read back by the claim's own token (no RETURNING).
pub fn claim(
    conn: &mut DbConn,
    worker: &str,
    limit: i64,
    lease: Duration,
    now: DateTime<Utc>,
) -> QueryResult<Vec<Job>> {
    claim_from(conn, worker, limit, lease, now, 0)
}

/// As `claim`, only jobs of at least `min_priority` (the urgent lane of a worker busy
/// with a batch of notices).
pub fn claim_from(
    conn: &mut DbConn,
    worker: &str,
    limit: i64,
    lease: Duration,
    now: DateTime<Utc>,
    min_priority: i32,
) -> QueryResult<Vec<Job>> {
    let token = format!("{worker}/{}", new_id());
    let (now_db, until) = (to_db(now), to_db(now + lease));
    // The sub-select reads the table the update writes: an alias keeps the two apart.
    diesel::alias!(nj as due: DueJobs);
    let pick = due
        .filter(due.field(nj::priority).ge(min_priority))
        .filter(
            (due.field(nj::status).eq(PENDING))
                .and(due.field(nj::run_at).le(now_db))
                .or(due
                    .field(nj::status)
                    .eq(RUNNING)
                    .and(due.field(nj::lease_until).lt(now_db))),
        )
        .order((due.field(nj::priority).desc(), due.field(nj::run_at)))
        .limit(limit)
        .select(due.field(nj::id));
    let claim = (
        nj::status.eq(RUNNING),
        nj::lease_owner.eq(&token),
        nj::lease_until.eq(until),
        nj::attempts.eq(nj::attempts + 1),
        nj::updated_at.eq(now_db),
    );
    // The one backend-specific query besides ON CONFLICT: PostgreSQL skips the rows
    // other workers are claiming; SQLite has one writer at a time anyway.
    match conn {
        DbConn::Postgres(c) => diesel::update(nj::table)
            .filter(nj::id.eq_any(pick.for_update().skip_locked()))
            .set(claim)
            .execute(c)?,
        DbConn::Sqlite(c) => diesel::update(nj::table)
            .filter(nj::id.eq_any(pick))
            .set(claim)
            .execute(c)?,
    };
    nj::table
        .filter(nj::lease_owner.eq(&token))
        .order((nj::priority.desc(), nj::run_at))
        .select(Job::as_select())
        .load(conn)
}

/// Marks a job delivered, if this worker still holds it.
pub fn complete(
    conn: &mut DbConn,
    id: &str,
    lease_owner: &str,
    provider_ref: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let n = diesel::update(
        nj::table
            .find(id)
            .filter(nj::lease_owner.eq(lease_owner))
            .filter(nj::status.eq(RUNNING)),
    )
    .set((
        nj::status.eq(DONE),
        nj::provider_ref.eq(provider_ref),
        nj::finished_at.eq(Some(to_db(now))),
        nj::updated_at.eq(to_db(now)),
        nj::lease_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Replaces the payload (used to scrub a secret once the message is delivered).
pub fn set_payload(conn: &mut DbConn, id: &str, payload: &serde_json::Value) -> QueryResult<usize> {
    diesel::update(nj::table.find(id))
        .set(nj::payload.eq(payload.to_string()))
        .execute(conn)
}

/// Gives a claimed job back untried (on shutdown): pending again, the attempt not counted.
pub fn release(
    conn: &mut DbConn,
    id: &str,
    lease_owner: &str,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let n = diesel::update(
        nj::table
            .find(id)
            .filter(nj::lease_owner.eq(lease_owner))
            .filter(nj::status.eq(RUNNING)),
    )
    .set((
        nj::status.eq(PENDING),
        nj::attempts.eq(nj::attempts - 1),
        nj::lease_until.eq(None::<NaiveDateTime>),
        nj::updated_at.eq(to_db(now)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Records a failed attempt: back to pending at `retry_at`, or dead when out of attempts
/// (or `permanent`).
pub fn fail(
    conn: &mut DbConn,
    job: &Job,
    error: &str,
    retry_at: DateTime<Utc>,
    permanent: bool,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    fail_with_progress(conn, job, error, retry_at, permanent, None, now)
}

/// As `fail`, also recording which units of the job are settled (`None`: unchanged).
pub fn fail_with_progress(
    conn: &mut DbConn,
    job: &Job,
    error: &str,
    retry_at: DateTime<Utc>,
    permanent: bool,
    progress: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let dead = permanent || job.attempts >= job.max_attempts;
    let lease_owner = job.lease_owner.as_deref().unwrap_or("");
    let n = diesel::update(
        nj::table
            .find(&job.id)
            .filter(nj::lease_owner.eq(lease_owner))
            .filter(nj::status.eq(RUNNING)),
    )
    .set((
        nj::status.eq(if dead { DEAD } else { PENDING }),
        nj::run_at.eq(to_db(retry_at)),
        nj::last_error.eq(Some(error)),
        nj::updated_at.eq(to_db(now)),
        nj::lease_until.eq(None::<NaiveDateTime>),
        nj::finished_at.eq(dead.then(|| to_db(now))),
        nj::progress.eq(progress.map(str::to_owned).or_else(|| job.progress.clone())),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Puts a dead job back in the queue (an operator's retry).
pub fn retry_dead(conn: &mut DbConn, id: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    let n = diesel::update(nj::table.find(id).filter(nj::status.eq(DEAD)))
        .set((
            nj::status.eq(PENDING),
            nj::attempts.eq(0),
            nj::run_at.eq(to_db(now)),
            nj::finished_at.eq(None::<NaiveDateTime>),
            nj::updated_at.eq(to_db(now)),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Job>> {
    nj::table
        .find(id)
        .select(Job::as_select())
        .first(conn)
        .optional()
}

pub fn for_patient(conn: &mut DbConn, patient_id: &PatientId) -> QueryResult<Vec<Job>> {
    nj::table
        .filter(nj::patient_id.eq(patient_id))
        .order((nj::created_at, nj::dedupe_key))
        .select(Job::as_select())
        .load(conn)
}

pub fn with_status(conn: &mut DbConn, status: &str, limit: i64) -> QueryResult<Vec<Job>> {
    nj::table
        .filter(nj::status.eq(status))
        .order(nj::updated_at.desc())
        .limit(limit)
        .select(Job::as_select())
        .load(conn)
}

/// Jobs waiting per channel, for metrics.
pub fn depth_by_channel(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    nj::table
        .filter(nj::status.eq(PENDING).or(nj::status.eq(RUNNING)))
        .group_by(nj::channel)
        .select((nj::channel, diesel::dsl::count_star()))
        .load(conn)
}

/// The queue as the Office and `/metrics` see it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueStats {
    /// Pending or running jobs per channel.
    pub waiting_by_channel: Vec<(String, i64)>,
    pub dead_by_channel: Vec<(String, i64)>,
    /// When the oldest job still waiting was enqueued.
    pub oldest_waiting: Option<NaiveDateTime>,
}

pub fn stats(conn: &mut DbConn) -> QueryResult<QueueStats> {
    let dead_by_channel = nj::table
        .filter(nj::status.eq(DEAD))
        .group_by(nj::channel)
        .select((nj::channel, diesel::dsl::count_star()))
        .load(conn)?;
    let oldest_waiting = nj::table
        .filter(nj::status.eq(PENDING).or(nj::status.eq(RUNNING)))
        .select(diesel::dsl::min(nj::created_at))
        .first(conn)?;
    Ok(QueueStats {
        waiting_by_channel: depth_by_channel(conn)?,
        dead_by_channel,
        oldest_waiting,
    })
}

/// Puts a claimed job back to wait until `run_at` without counting an attempt (a job
/// held back so that later events can be folded into it).
pub fn defer(
    conn: &mut DbConn,
    id: &str,
    lease_owner: &str,
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let n = diesel::update(
        nj::table
            .find(id)
            .filter(nj::lease_owner.eq(lease_owner))
            .filter(nj::status.eq(RUNNING)),
    )
    .set((
        nj::status.eq(PENDING),
        nj::attempts.eq(nj::attempts - 1),
        nj::run_at.eq(to_db(run_at)),
        nj::lease_until.eq(None::<NaiveDateTime>),
        nj::updated_at.eq(to_db(now)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Jobs of the same type, channel and recipient as `job` that bear on folding it: those
/// still waiting, and those finished since `since` (a message told recently).
pub fn fold_siblings(conn: &mut DbConn, job: &Job, since: NaiveDateTime) -> QueryResult<Vec<Job>> {
    nj::table
        .filter(nj::job_type.eq(&job.job_type))
        .filter(nj::channel.eq(&job.channel))
        .filter(nj::patient_id.eq(&job.patient_id))
        .filter(nj::id.ne(&job.id))
        .filter(
            nj::status
                .eq(PENDING)
                .or(nj::status.eq(DONE).and(nj::finished_at.ge(since))),
        )
        .order(nj::created_at)
        .select(Job::as_select())
        .load(conn)
}

/// Marks a waiting job as told in `lead`'s message; false if it is no longer waiting.
pub fn mark_folded(
    conn: &mut DbConn,
    id: &str,
    lead_id: &str,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let n = diesel::update(nj::table.find(id).filter(nj::status.eq(PENDING)))
        .set((
            nj::status.eq(DONE),
            nj::provider_ref.eq(Some(format!("{FOLDED_PREFIX}{lead_id}"))),
            nj::finished_at.eq(Some(to_db(now))),
            nj::updated_at.eq(to_db(now)),
        ))
        .execute(conn)?;
    Ok(n == 1)
}
