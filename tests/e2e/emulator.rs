//! The test emulator itself: servers started at once (as parallel tests
//! start them) each answer on a port of their own, so no test sees
//! another's objects.

use super::harness::{block_on, bucket_names, Moto};

#[test]
fn emulators_started_at_once_each_serve_only_their_own_test() {
    const N: usize = 6;
    let servers: Vec<Moto> = std::thread::scope(|s| {
        let started: Vec<_> = (0..N).map(|_| s.spawn(Moto::start)).collect();
        started.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut urls: Vec<&str> = servers.iter().map(|m| m.url.as_str()).collect();
    urls.sort();
    urls.dedup();
    assert_eq!(urls.len(), N, "ports shared: {urls:?}");
    block_on(async {
        let mut clients = vec![];
        for (i, m) in servers.iter().enumerate() {
            let s3 = m.s3().await;
            s3.create_bucket()
                .bucket(format!("only-on-server-{i}"))
                .send()
                .await
                .unwrap();
            clients.push(s3);
        }
        for (i, s3) in clients.iter().enumerate() {
            let names = bucket_names(s3).await;
            assert_eq!(names, [format!("only-on-server-{i}")], "server {i}");
        }
    });
}
