//! Passwords: Argon2id with the crate's defaults, on a few long-lived hashing threads of
//! Parley's own (see [`on_hashing_thread`] for why), as standard PHC strings.

use crate::protocol::ProtocolError;
use crate::server::error::AppError;
use argon2::password_hash::{PasswordHash, SaltString};
use argon2::Argon2;
use rand_core::OsRng;

/// Work for the password-hashing threads.
type Job = Box<dyn FnOnce() + Send>;

/// Runs `work` on one of Parley's password-hashing threads (one per core, started on first use)
/// and waits for its result; `None` if the thread is gone. Argon2 takes 19 MiB and tens of
/// milliseconds of a core per hash: on a few long-lived threads, a flood of sign-ins queues
/// instead of taking the server's cores, and the allocator reuses the same few buffers (on
/// tokio's blocking pool, every new thread kept its own 19 MiB: 450 MB after 500 sign-ups).
async fn on_hashing_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    use std::sync::{mpsc, Arc, Mutex, OnceLock};
    static QUEUE: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();
    let queue = QUEUE.get_or_init(|| {
        let (send, receive) = mpsc::channel::<Job>();
        let receive = Arc::new(Mutex::new(receive));
        let threads = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        for n in 0..threads {
            let receive = receive.clone();
            let spawned =
                std::thread::Builder::new().name(format!("argon2-{n}")).spawn(move || loop {
                    let job = receive.lock().unwrap_or_else(|p| p.into_inner()).recv();
                    match job {
                        Ok(job) => job(),
                        Err(_) => break,
                    }
                });
            if let Err(error) = spawned {
                tracing::error!("cannot start a password-hashing thread: {error}");
            }
        }
        Mutex::new(send)
    });
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = done.send(work());
    });
    queue.lock().unwrap_or_else(|p| p.into_inner()).send(job).ok()?;
    result.await.ok()
}

/// Argon2 with `params`, into `out`, in this thread's block buffer (19 MiB with the default
/// parameters), allocated once per hashing thread and reused: allocating it per hash left the
/// allocator holding about 150 MB after the first few sign-ins.
fn argon2_into(
    argon2: &Argon2<'_>,
    block_count: usize,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> argon2::Result<()> {
    use std::cell::RefCell;
    thread_local! {
        static BLOCKS: RefCell<Vec<argon2::Block>> = const { RefCell::new(Vec::new()) };
    }
    BLOCKS.with_borrow_mut(|blocks| {
        blocks.resize(block_count, argon2::Block::default());
        argon2.hash_password_into_with_memory(password, salt, out, &mut blocks[..block_count])
    })
}

/// The PHC string of `password` hashed with `argon2` (whose algorithm, version and parameters
/// it records) and `salt`, as `PasswordHasher::hash_password` makes it.
fn phc_hash<'a>(
    argon2: &Argon2<'_>,
    algorithm: argon2::Algorithm,
    version: argon2::Version,
    params: &argon2::Params,
    password: &[u8],
    salt: argon2::password_hash::Salt<'a>,
) -> argon2::password_hash::Result<PasswordHash<'a>> {
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let length = params.output_len().unwrap_or(argon2::Params::DEFAULT_OUTPUT_LEN);
    let output = argon2::password_hash::Output::init_with(length, |out| {
        Ok(argon2_into(argon2, params.block_count(), password, salt_bytes, out)?)
    })?;
    Ok(PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(version.into()),
        params: argon2::password_hash::ParamsString::try_from(params)?,
        salt: Some(salt),
        hash: Some(output),
    })
}

/// Argon2id with the crate's defaults (19 MiB, 2 passes, 1 lane).
pub async fn hash_password(password: String) -> Result<String, AppError> {
    let hashed = on_hashing_thread(move || {
        let salt = SaltString::generate(&mut OsRng);
        let (algorithm, version, params) =
            (argon2::Algorithm::Argon2id, argon2::Version::V0x13, argon2::Params::default());
        let argon2 = Argon2::new(algorithm, version, params.clone());
        phc_hash(&argon2, algorithm, version, &params, password.as_bytes(), salt.as_salt())
            .map(|hash| hash.to_string())
    })
    .await;
    match hashed {
        Some(Ok(hash)) => Ok(hash),
        Some(Err(error)) => {
            tracing::error!("password hashing: {error}");
            Err(ProtocolError::internal().into())
        }
        None => {
            tracing::error!("no password-hashing thread");
            Err(ProtocolError::internal().into())
        }
    }
}

/// Whether `password` matches `hash` (a PHC string, with the parameters it was made with).
/// Without an account, a made-up hash is checked all the same, so that the answer takes as long
/// whether or not the name exists.
pub async fn verify_password(hash: Option<String>, password: String) -> bool {
    on_hashing_thread(move || {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| UNKNOWN_ACCOUNT_HASH.to_owned());
        let Ok(stored) = PasswordHash::new(&hash) else { return false };
        let (Some(salt), Some(expected)) = (stored.salt, &stored.hash) else { return false };
        let Ok(algorithm) = argon2::Algorithm::try_from(stored.algorithm) else { return false };
        let version = stored.version.map_or(Ok(argon2::Version::V0x13), argon2::Version::try_from);
        let (Ok(version), Ok(params)) = (version, argon2::Params::try_from(&stored)) else {
            return false;
        };
        let argon2 = Argon2::new(algorithm, version, params.clone());
        let computed = phc_hash(&argon2, algorithm, version, &params, password.as_bytes(), salt);
        // `Output`'s equality is constant-time.
        computed.is_ok_and(|computed| computed.hash.as_ref() == Some(expected)) && known
    })
    .await
    .unwrap_or(false)
}

/// An Argon2id hash of a random password nobody knows, with the default parameters.
const UNKNOWN_ACCOUNT_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$\
                                    O1l5rM6V2EBg0ZXvbWuv5GqGVTT5wWq0N9OEv4XhEzY";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unknown_account_hash_parses_with_the_default_parameters() {
        let parsed = PasswordHash::new(UNKNOWN_ACCOUNT_HASH).expect("a PHC string");
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
    }

    #[tokio::test]
    async fn hashes_are_standard_argon2id_and_verify_only_their_password() {
        let hash = hash_password("correct horse".into()).await.expect("hash");
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        // The argon2 crate's own verifier accepts it: the format is the standard one.
        let parsed = PasswordHash::new(&hash).expect("PHC");
        use argon2::password_hash::PasswordVerifier;
        assert!(Argon2::default().verify_password(b"correct horse", &parsed).is_ok());
        assert!(verify_password(Some(hash.clone()), "correct horse".into()).await);
        assert!(!verify_password(Some(hash), "wrong horse".into()).await);
        // And ours accepts the crate's.
        let salt = SaltString::generate(&mut OsRng);
        use argon2::password_hash::PasswordHasher;
        let theirs = Argon2::default().hash_password(b"battery", &salt).expect("hash").to_string();
        assert!(verify_password(Some(theirs), "battery".into()).await);
        assert!(!verify_password(None, "anything".into()).await);
    }
}
