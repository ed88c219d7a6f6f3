"""Candidates moving through the pipeline: applications, stage moves, archives, hires, deletions."""

from __future__ import annotations

from .. import operations
from .base import SimulationBase


class PipelineActivity(SimulationBase):
    def new_applicants(self) -> bool:
        account, rng = self.account, self.rng
        postings = [
            p
            for pid, p in account.catalog.postings.items()
            if p["state"] in ("published", "internal") and not account.posting_deleted(pid)
        ]
        if not postings:
            return False
        posting = rng.choice(postings)
        person = self.factory.contact(account.new_id())
        contact = operations.find_contact(account, person.emails) or operations.new_contact(
            account, person.name, person.headline, person.location, person.emails, person.phones, person.links
        )
        opp = operations.create_opportunity(
            account,
            contact,
            stage="applicant-new",
            origin="applied",
            owner=posting["owner"],
            posting=posting,
            tags=[],
            sources=[rng.choice(["Job site", "LinkedIn", "Indeed"])],
            followers=[posting["owner"]],
            created_at=account.now_ms,
            application_type="posting",
            user=None,
            application_fields={
                "name": contact.name,
                "email": next(iter(contact.emails), None),
                "links": list(contact.links),
                "custom_questions": None,
            },
        )
        application = account.live_application(opp)
        application.custom_questions = account.custom_questions(application)  # answered now, stored for good
        return True

    def stage_moves(self) -> bool:
        """One stage forward (sometimes two) in the pipeline as listed now, never past its last stage."""
        account = self.account
        last_rank = account.catalog.pipeline[-1]["rank"]
        opp = self.opportunity(lambda o: self.active(o) and account.stage_rank[o.stage] < last_rank)
        if opp is None:
            return False
        ahead = account.stages_after(opp.stage)
        step = 1 if self.rng.random() < 0.85 else 2
        operations.change_stage(account, opp, ahead[min(step, len(ahead)) - 1]["id"], self.user())
        return True

    def archives(self) -> bool:
        opp = self.opportunity(self.active)
        if opp is None:
            return False
        reasons = [
            r["id"] for r in self.account.catalog.listed_reasons if r["type"] != "hired" and r["status"] == "active"
        ]
        if not reasons:
            return False
        operations.archive(self.account, opp, self.rng.choice(reasons))
        return True

    def hires(self) -> bool:
        opp = self.opportunity(lambda o: self.active(o) and o.stage == "offer") or self.opportunity(self.active)
        if opp is None:
            return False
        if opp.stage != "offer":
            operations.change_stage(self.account, opp, "offer", self.user())
        operations.archive(self.account, opp, self.account.hired_reason())
        return True

    def unarchives(self) -> bool:
        hired = self.account.hired_reason()
        opp = self.opportunity(lambda o: o.archived is not None and o.archived[0] != hired and not o.is_anonymized)
        if opp is None:
            return False
        operations.archive(self.account, opp, None)
        return True

    def opportunity_deletions(self) -> bool:
        opp = self.opportunity()
        if opp is None:
            return False
        operations.delete_opportunity(self.account, opp, self.user() if self.rng.random() < 0.7 else None)
        return True

    def application_deletions(self) -> bool:
        opp = self.opportunity(lambda o: self.account.live_application(o) is not None)
        return opp is not None and operations.delete_application(self.account, opp)

    def anonymizations(self) -> bool:
        opp = self.opportunity(lambda o: not o.is_anonymized and o.archived is not None) or self.opportunity(
            lambda o: not o.is_anonymized
        )
        if opp is None:
            return False
        operations.anonymize(self.account, opp)
        return True
