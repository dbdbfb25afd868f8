//! `ask_timeout` on the default executor (the platform's timers): the
//! asker gives up, and the reply that comes later is handed back to the
//! replier instead of landing anywhere.
use bitwake::actor::{Actor, AskError, Ctx, Mailbox, ReplyTo};
use bitwake::time::Duration;

struct Holder {
    held: Option<ReplyTo<u32>>,
    late: Option<Result<(), u32>>,
}

enum Msg {
    Hold(ReplyTo<u32>),
    /// Answers the held request, then reports how that went.
    Release(ReplyTo<Option<Result<(), u32>>>),
}

impl Actor for Holder {
    type Msg = Msg;
    type Mailbox = Mailbox<Self, 2>;
    type Args = ();
    type Error = core::convert::Infallible;
    fn create(_: &()) -> Self {
        Holder {
            held: None,
            late: None,
        }
    }
    async fn handle(&mut self, msg: Msg, _: Ctx<Self>) -> Result<(), Self::Error> {
        match msg {
            Msg::Hold(r) => self.held = Some(r),
            Msg::Release(r) => {
                self.late = self.held.take().map(|h| h.send(42));
                let _ = r.send(self.late);
            }
        }
        Ok(())
    }
}

bitwake::actors! {
    pool_size = 1;
    static HOLDERS: Holder;
}

#[test]
fn ask_timeout_then_the_late_reply_is_handed_back() {
    bitwake::block_on(async {
        let h = HOLDERS.spawn(()).unwrap();
        let r = h.ask_timeout(Msg::Hold, Duration::from_millis(20)).await;
        assert_eq!(r, Err(AskError::Timeout));
        assert_eq!(h.ask(Msg::Release).await, Ok(Some(Err(42))));
        // A prompt answer within the limit is delivered.
        let r = h.ask_timeout(Msg::Release, Duration::from_secs(5)).await;
        assert_eq!(r, Ok(None));
        h.stop();
    });
}
