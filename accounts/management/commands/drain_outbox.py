from django.core.management.base import BaseCommand

from accounts.outbox import outbox_drain, outbox_retry_dead


class Command(BaseCommand):
    help = (
        "Publish the queued tasks the broker did not take when their change "
        "committed, as the periodic task does every minute."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--retry-dead",
            action="store_true",
            help="First give the messages that were given up a fresh set of "
            "attempts (once the broker is back).",
        )

    def handle(self, *args, retry_dead=False, **options):
        if retry_dead:
            revived = outbox_retry_dead()
            self.stdout.write(f"{revived} given-up message(s) queued again.")
        drained = outbox_drain()
        self.stdout.write(
            f"{drained.sent} sent, {drained.failed} failed, "
            f"{drained.dead} given up, {drained.purged} old sent message(s) purged."
        )
