"""How the demo generates the second-edition indicators (#19 item 5), as lawstats.demo.facts._Spec
arguments: plausible sizes for a city of about 300万 people, and the relations a real bureau's
figures keep (办结 <= 受理, 收到申请 >= 受理, 受援人 >= 案件, parts of 办结 that add up to less than it,
在册 far above 脱管, a re-offence rate near 0.2%). Rates are per 万 residents a year (flows) or
at year end (stocks), or shares of the `basis` indicator's figure."""

from __future__ import annotations

from typing import Any

_ACCEPTED, _CLOSED = "reconsideration_accepted", "reconsideration_closed"
# each a part of 行政复议办结: 维持 most, 纠错 (撤销, 变更, 确认违法, 责令履行) about an eighth
_OUTCOMES = {
    "reconsideration_upheld": 0.55,
    "reconsideration_revoked": 0.06,
    "reconsideration_altered": 0.01,
    "reconsideration_unlawful": 0.04,
    "reconsideration_ordered": 0.01,
    "reconsideration_rejected": 0.14,
    "reconsideration_corrected": 0.12,
    "reconsideration_terminated": 0.08,
}


def _part(basis: str, rate: float, spread: float = 0.3) -> dict[str, Any]:
    lo, hi = rate * (1 - spread), min(rate * (1 + spread), 1.0)
    return dict(
        basis=basis, rate=rate, growth=0.0, noise=0.05, city_sd=0.1, lo=lo, hi=hi,
        relation="le", parent=basis, unit_sd=0.15,
    )  # fmt: skip


def _few(rate: float) -> dict[str, Any]:
    """Institutions a county has one or two of (公共法律服务中心, 公证处): steady, by county."""
    return dict(rate=rate, growth=0.0, growth_sd=0.0, noise=0.0, city_sd=0.1, weight_exp=0.2)


FLOWS: dict[str, dict[str, Any]] = {
    "reconsideration_received": dict(
        basis=_ACCEPTED, rate=1.12, growth=0.0, noise=0.03, lo=1.0, hi=1.4,
        relation="ge", parent=_ACCEPTED,
    ),
    **{code: _part(_CLOSED, share) for code, share in _OUTCOMES.items()},
    "litigation_responses": dict(rate=0.3, growth=0.03, noise=0.08),
    "litigation_head_appearances": _part("litigation_responses", 0.8, 0.2),
    "legal_aid_closed": _part("legal_aid_cases", 0.93, 0.1),
    "legal_aid_recipients": dict(
        basis="legal_aid_cases", rate=1.15, growth=0.0, noise=0.04, lo=1.0, hi=1.5,
        relation="ge", parent="legal_aid_cases",
    ),
    "legal_aid_consultations": dict(rate=60.0, growth=0.03, noise=0.05),
    "legal_aid_duty_lawyer": dict(rate=12.0, growth=0.08, noise=0.06),
    "legal_aid_recovered": dict(rate=3.0, growth=0.02, noise=0.15, season="budget"),
    "cc_received": dict(rate=1.8, growth=-0.01, noise=0.08),
    "cc_released": dict(rate=1.75, growth=-0.01, noise=0.08),
    "cc_revoked": dict(rate=0.03, growth=0.0, noise=0.2),
    "cc_warnings": dict(rate=0.5, growth=-0.02, noise=0.15),
    "cc_reoffended": dict(basis="cc_enrolled", rate=0.002, growth=0.0, noise=0.3, city_sd=0.2),
    "pls_visits": dict(rate=40.0, growth=0.05, noise=0.06),
    "pls_hotline": dict(rate=30.0, growth=0.06, noise=0.06),
    "publicity_events": dict(rate=2.0, growth=0.03, noise=0.1),
    "publicity_reach": dict(rate=900.0, growth=0.04, noise=0.1),
    "notarial_acts": dict(rate=60.0, growth=0.01, noise=0.05),
    "forensic_cases": dict(rate=8.0, growth=0.02, noise=0.06),
    "arbitration_cases": dict(rate=1.0, growth=0.04, noise=0.1),
    "mediation_orgs_new": dict(rate=0.25, growth=0.0, noise=0.2),
    "mediators_trained": dict(rate=25.0, growth=0.03, noise=0.1),
    "mediation_agreement_amount": dict(rate=30.0, growth=0.04, noise=0.1, season="disputes"),
    "mediation_agreements_written": _part("mediation_success", 0.45, 0.2),
    "mediation_agreements_oral": _part("mediation_success", 0.5, 0.1),
}  # fmt: skip

STOCKS: dict[str, dict[str, Any]] = {
    "reconsideration_pending": dict(
        basis=_ACCEPTED, rate=0.12, growth=0.0, noise=0.05, lo=0.05, hi=0.25
    ),
    "cc_enrolled": dict(rate=3.0, growth=-0.01, noise=0.01),
    "cc_absconded": _part("cc_enrolled", 0.003, 0.9),  # a stock of a stock: le holds
    "pls_centres": _few(0.027),
    "pls_stations": _part("office_count", 0.97, 0.05),
    "pls_rooms": _part("mediation_orgs", 0.85, 0.1),
    "model_villages": _part("mediation_orgs", 0.08, 0.3),
    "lawyers": dict(rate=1.5, growth=0.06, noise=0.01),
    "law_firms": dict(rate=0.12, growth=0.04, noise=0.0),
    "government_lawyers": dict(rate=0.5, growth=0.1, noise=0.01),
    "company_lawyers": dict(rate=0.08, growth=0.1, noise=0.01),
    "grassroots_legal_workers": dict(rate=0.4, growth=-0.02, noise=0.01),
    "notary_offices": _few(0.027),
    "notaries": dict(rate=0.12, growth=0.02, noise=0.0),
    "forensic_institutions": _few(0.02),
    "assessors_enrolled": dict(rate=2.0, growth=0.02, noise=0.0),
    "supervisors_enrolled": dict(rate=0.3, growth=0.02, noise=0.0),
    "mediation_orgs_village": _part("mediation_orgs", 0.7, 0.1),
    "mediation_orgs_township": _part("mediation_orgs", 0.05, 0.3),
    "mediation_orgs_enterprise": _part("mediation_orgs", 0.04, 0.5),
}
