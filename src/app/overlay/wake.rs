//! The thread "callcue-overlay-wake": it takes the pipeline's messages as they arrive,
//! queues them for the window and wakes the window's event loop, so a nudge is painted
//! within a frame while an idle overlay paints nothing at all.

use std::thread::{self, JoinHandle};

use crossbeam_channel::{bounded, select, Receiver, Sender};

use super::OverlayMessage;

/// Messages queued for the window between two frames. The window drains the queue every
/// frame; the forwarder waits (without blocking the pipeline's own sends for long) when
/// it is full.
pub const QUEUE_LEN: usize = 256;

/// Wakes the window. A trait so the forwarder is tested without one.
pub trait Waker: Send + 'static {
    fn wake(&self);
}

impl Waker for eframe::egui::Context {
    fn wake(&self) {
        self.request_repaint();
    }
}

/// The running forwarder; stopped and joined on drop.
pub struct Forwarder {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Forwarder {
    /// Starts forwarding `messages` to the returned queue. When the pipeline drops its
    /// sender, a `Shutdown` is queued: nothing can reach the overlay any more.
    pub fn spawn(
        messages: Receiver<OverlayMessage>,
        waker: impl Waker,
    ) -> std::io::Result<(Self, Receiver<OverlayMessage>)> {
        let (queue_tx, queue_rx) = bounded(QUEUE_LEN);
        let (stop_tx, stop_rx) = bounded::<()>(0);
        let thread = thread::Builder::new()
            .name("callcue-overlay-wake".into())
            .spawn(move || forward(&messages, &queue_tx, &stop_rx, &waker))?;
        Ok((
            Self {
                stop: Some(stop_tx),
                thread: Some(thread),
            },
            queue_rx,
        ))
    }
}

fn forward(
    messages: &Receiver<OverlayMessage>,
    queue: &Sender<OverlayMessage>,
    stop: &Receiver<()>,
    waker: &impl Waker,
) {
    loop {
        let message = select! {
            recv(messages) -> message => message.unwrap_or(OverlayMessage::Shutdown),
            recv(stop) -> _ => return,
        };
        let last = message == OverlayMessage::Shutdown;
        select! {
            send(queue, message) -> sent => if sent.is_err() { return },
            recv(stop) -> _ => return,
        }
        waker.wake();
        if last {
            return;
        }
    }
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        // Dropping the sender wakes the thread's `select!`.
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[derive(Clone, Default)]
    struct Count(Arc<AtomicUsize>);

    impl Waker for Count {
        fn wake(&self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn forwards_and_wakes_per_message() {
        let (tx, rx) = bounded(4);
        let count = Count::default();
        let (forwarder, queue) = Forwarder::spawn(rx, count.clone()).unwrap();
        tx.send(OverlayMessage::ClearStatus).unwrap();
        tx.send(OverlayMessage::CallStarted).unwrap();
        let wait = Duration::from_secs(5);
        assert_eq!(queue.recv_timeout(wait), Ok(OverlayMessage::ClearStatus));
        assert_eq!(queue.recv_timeout(wait), Ok(OverlayMessage::CallStarted));
        // Every message was queued before its wake-up.
        assert!(count.0.load(Ordering::SeqCst) >= 1);
        drop(forwarder);
        assert!(tx.send(OverlayMessage::CallEnded).is_err(), "thread gone");
    }

    #[test]
    fn a_dropped_pipeline_means_shutdown() {
        let (tx, rx) = bounded::<OverlayMessage>(4);
        let (_forwarder, queue) = Forwarder::spawn(rx, Count::default()).unwrap();
        drop(tx);
        let message = queue.recv_timeout(Duration::from_secs(5));
        assert_eq!(message, Ok(OverlayMessage::Shutdown));
    }

    #[test]
    fn drop_joins_while_the_window_is_not_draining() {
        let (tx, rx) = bounded(QUEUE_LEN * 2);
        for _ in 0..QUEUE_LEN + 10 {
            tx.send(OverlayMessage::ClearStatus).unwrap();
        }
        let (forwarder, _queue) = Forwarder::spawn(rx, Count::default()).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        drop(forwarder); // must not hang on the full queue
    }
}
