"""Activity on the catalog: posting edits, closures, new postings and deletions, user deactivations."""

from __future__ import annotations

from .. import catalog_changes
from ..generator import vocab
from ..generator.postings import add_posting
from .base import SimulationBase, pick


class CatalogActivity(SimulationBase):
    def posting_edits(self) -> bool:
        posting = self.posting(lambda p: p["state"] != "closed")
        if posting is None:
            return False
        department = posting["categories"]["department"]
        if self.rng.random() < 0.5:
            title = self.rng.choice([t for t in vocab.JOB_TITLES[department] if t != posting["text"]])
            catalog_changes.edit_posting(self.account, posting, text=title)
        else:
            teams = [t for t in vocab.TEAMS[department] if t != posting["categories"]["team"]] or ["Core"]
            catalog_changes.edit_posting(self.account, posting, categories={"team": self.rng.choice(teams)})
        return True

    def posting_closures(self) -> bool:
        posting = self.posting(lambda p: p["state"] in ("published", "internal"))
        if posting is None:
            return False
        catalog_changes.set_posting_state(self.account, posting, "closed")
        return True

    def new_postings(self) -> bool:
        catalog = self.account.catalog
        add_posting(catalog, self.rng, self.account.now_ms, self.account.now_ms)
        self.account.changed()
        return True

    def posting_deletions(self) -> bool:
        posting = self.posting(lambda p: p["state"] in ("closed", "draft"))
        if posting is None:
            return False
        catalog_changes.delete_posting(self.account, posting)
        return True

    def user_deactivations(self) -> bool:
        catalog = self.account.catalog
        keep = set(catalog.recruiters[:3])  # keep a few owners active so activity always has actors
        uid = pick(
            self.rng,
            list(catalog.users),
            lambda u: (
                catalog.users[u]["deactivatedAt"] is None
                and catalog.users[u]["accessRole"] != "super admin"
                and u not in keep
            ),
        )
        if uid is None:
            return False
        catalog_changes.deactivate_user(self.account, catalog.users[uid])
        return True
