//! `backup FILE` and `restore FILE`: the whole database — proposals,
//! evaluations, the audit log and, since materials live in it, every
//! uploaded file — through pg_dump / pg_restore in the custom format, for
//! the private cluster as for `DATABASE_URL`.

use std::path::Path;

use anyhow::{Context, bail};

use crate::config::DbArgs;
use crate::db::{self, embedded};

/// The database's URL (the private cluster started if needed) while `work`
/// runs a program against it; the cluster is stopped afterwards.
async fn with_url<F>(args: &DbArgs, work: F) -> anyhow::Result<()>
where
    F: FnOnce(&str, &Path) -> anyhow::Result<()> + Send + 'static,
{
    let programs = embedded::programs_dir(args.pg_bin.as_deref())
        .context("pg_dump and pg_restore are PostgreSQL's programs; set XIAOZHEN_PG_BIN to their folder")?;
    let (pool, cluster) = db::open(args, embedded::Reuse::Allow).await?;
    pool.close().await;
    let url = match (&args.database_url, &cluster) {
        (Some(url), _) => url.clone(),
        (None, Some(c)) => c.database_url().to_owned(),
        (None, None) => bail!("no database to use"),
    };
    let programs_for_work = programs.clone();
    let result = tokio::task::spawn_blocking(move || work(&url, &programs_for_work))
        .await
        .context("the backup task stopped")?;
    if let Some(cluster) = cluster {
        cluster.stop().await?;
    }
    result
}

fn run(program: &Path, args: &[&str]) -> anyhow::Result<()> {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .with_context(|| format!("cannot run {}", program.display()))?;
    if !out.status.success() {
        bail!(
            "{} failed: {}",
            program.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// `xiaozhen backup FILE`.
pub async fn backup(args: &DbArgs, file: &Path) -> anyhow::Result<()> {
    let target = file.to_string_lossy().into_owned();
    with_url(args, move |url, programs| {
        run(
            &programs.join("pg_dump"),
            &["--format=custom", "--no-owner", "--file", &target, "--dbname", url],
        )
    })
    .await?;
    println!("已备份到 / backed up to {}", file.display());
    Ok(())
}

/// `xiaozhen restore FILE`: the database's objects are replaced by the
/// backup's, in one transaction (a failure leaves it as it was).
pub async fn restore(args: &DbArgs, file: &Path) -> anyhow::Result<()> {
    if !file.is_file() {
        bail!("{} is not a file", file.display());
    }
    let source = file.to_string_lossy().into_owned();
    with_url(args, move |url, programs| {
        run(
            &programs.join("pg_restore"),
            &[
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                url,
                &source,
            ],
        )
    })
    .await?;
    println!("已从备份恢复 / restored from {}", file.display());
    Ok(())
}
