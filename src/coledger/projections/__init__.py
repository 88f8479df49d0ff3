"""The read side: indicators and the ladder, as pure folds over the events."""

from coledger.projections.facts import Facts
from coledger.projections.lens import Figure, Lens, Scope
from coledger.projections.report import PowerSharingReport
from coledger.projections.thresholds import Thresholds

__all__ = ["Facts", "Figure", "Lens", "PowerSharingReport", "Scope", "Thresholds"]
