//! The command line: `serve` (default), `migrate`, `user add`, `demo`.

use std::io::BufRead;
use std::net::SocketAddr;

use anyhow::{Context, bail};
use sqlx::PgPool;
use tokio::net::TcpListener;

use crate::auth::password;
use crate::config::{Config, DbArgs, DemoArgs, RoleArg, ServeArgs, UserCommand};
use crate::db::embedded::Reuse;
use crate::db::{self, audit, regions, users};
use crate::domain::Role;
use crate::domain::password as policy;
use crate::state::AppState;

pub mod backup;
pub mod demo;
mod demo_experts;
mod demo_places;
mod demo_towns;
pub mod generate;

/// Runs `work` against the database (private cluster or `DATABASE_URL`),
/// and stops a cluster it started whatever `work` returns.
async fn with_database<F, Fut>(args: &DbArgs, reuse: Reuse, work: F) -> anyhow::Result<()>
where
    F: FnOnce(PgPool) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let (pool, cluster) = db::open(args, reuse).await?;
    let result = async {
        db::migrate(&pool).await?;
        work(pool.clone()).await
    }
    .await;
    pool.close().await;
    if let Some(cluster) = cluster {
        cluster.stop().await?;
    }
    result
}

pub async fn serve(args: &DbArgs, serve: ServeArgs) -> anyhow::Result<()> {
    let config = Config::from_env()?;
    // Bind first: a port in use is reported before the database is touched.
    let listener = TcpListener::bind(serve.bind).await.with_context(|| {
        format!(
            "cannot listen on {}: the address is in use or not allowed; choose another with --bind or BIND",
            serve.bind
        )
    })?;
    with_database(args, Reuse::Refuse, |pool| async move {
        prepare(&pool).await?;
        let addr = listener.local_addr()?;
        let shutdown = shutdown_signal()?;
        let sweeper = tokio::spawn(sweep_sessions(pool.clone()));
        // At start-up and daily: objectors' personal data a year after publication.
        let eraser = tokio::spawn(crate::services::notice::erase_daily(pool.clone()));
        let app = crate::build_app(AppState::new(pool, config));
        println!("xiaozhen 已启动，访问 / listening on http://{addr}");
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await
            .context("the server stopped unexpectedly")?;
        sweeper.abort();
        eraser.abort();
        tracing::info!("server stopped");
        Ok(())
    })
    .await
}

/// Everything a fresh or upgraded database needs before serving.
pub async fn prepare(pool: &PgPool) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    db::standards::sync_builtin(&mut tx).await?;
    tx.commit().await?;
    ensure_first_admin(pool).await
}

/// Expired sessions are refused on load already; this keeps the table small
/// (and the login attempts table, whose old rows nothing reads).
async fn sweep_sessions(pool: PgPool) {
    let store = db::sessions::PgSessionStore::new(pool.clone());
    let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        every.tick().await;
        if let Err(err) = store.delete_expired().await {
            tracing::warn!(error = %err, "could not delete expired sessions");
        }
        if let Err(err) = db::login_attempts::delete_old(&pool).await {
            tracing::warn!(error = %err, "could not delete old login attempts");
        }
    }
}

/// Waits for Ctrl-C or SIGTERM. The handlers are registered when this is
/// called, before the server announces itself: a SIGTERM that arrives the
/// moment the server is up must stop it gracefully, not kill it.
fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
        tracing::info!("shutting down");
    })
}

/// On a database with no admin, creates `admin` with a random password that
/// is printed once and must be changed at first login.
pub async fn ensure_first_admin(pool: &PgPool) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    // Two instances starting together must not both create one.
    sqlx::query("SELECT pg_advisory_xact_lock(7170001)")
        .execute(&mut *tx)
        .await?;
    if users::any_admin_exists(&mut tx).await? {
        return Ok(());
    }
    let pw = password::random_password();
    let hash = password::hash(pw.clone()).await?;
    let id = users::insert(
        &mut tx,
        users::NewUser {
            username: "admin",
            display_name: "系统管理员",
            role: Role::Admin,
            region_id: None,
            password_hash: &hash,
            must_change_password: true,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        audit::Entry {
            actor_id: None,
            action: "user.created",
            entity: "user",
            entity_id: Some(id),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    println!("初始管理员 / initial admin: admin  密码 / password: {pw}");
    println!("（首次登录后须修改密码 / you must change it at first login）");
    Ok(())
}

pub async fn migrate(args: &DbArgs) -> anyhow::Result<()> {
    with_database(args, Reuse::Allow, |_| async {
        println!("数据库已是最新 / database migrated");
        Ok(())
    })
    .await
}

pub async fn user(args: &DbArgs, cmd: UserCommand) -> anyhow::Result<()> {
    let UserCommand::Add {
        name,
        role,
        region,
        display_name,
    } = cmd;
    let role = match role {
        RoleArg::Official => Role::Official,
        RoleArg::Reviewer => Role::Reviewer,
        RoleArg::Admin => Role::Admin,
    };
    match (role, &region) {
        (Role::Official, None) => bail!("an official needs a region: add --region NAME"),
        (Role::Reviewer | Role::Admin, Some(_)) => bail!("only officials have a region: leave out --region"),
        _ => {}
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let pw = line.trim_end_matches(['\r', '\n']).to_owned();
    if let Err(problem) = policy::check(&name, &pw) {
        bail!("{}", crate::i18n::t(crate::domain::Lang::En, problem.key()));
    }
    with_database(args, Reuse::Allow, |pool| async move {
        let hash = password::hash(pw).await?;
        let mut tx = pool.begin().await?;
        let region_id = match &region {
            Some(r) => Some(regions::ensure(&mut tx, r).await?.id),
            None => None,
        };
        let display = display_name.unwrap_or_else(|| name.clone());
        let new = users::NewUser {
            username: &name,
            display_name: &display,
            role,
            region_id,
            password_hash: &hash,
            must_change_password: false,
        };
        let id = match users::insert(&mut tx, new).await {
            Ok(id) => id,
            Err(e) if db::is_unique_violation(&e) => bail!("a user named {name} already exists"),
            Err(e) if matches!(&e, sqlx::Error::Database(d) if d.code().as_deref() == Some("23514")) => {
                bail!("the user name may contain only letters, digits, '.', '_' and '-' (2 to 40 characters)")
            }
            Err(e) => return Err(e.into()),
        };
        audit::record(
            &mut tx,
            audit::Entry {
                actor_id: None,
                action: "user.created",
                entity: "user",
                entity_id: Some(id),
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        println!("已添加用户 / user added: {name} ({})", role.as_str());
        Ok(())
    })
    .await
}

pub async fn demo(args: &DbArgs, demo: DemoArgs) -> anyhow::Result<()> {
    with_database(args, Reuse::Allow, |pool| async move {
        prepare(&pool).await?;
        demo::load(&pool, &demo).await
    })
    .await
}
