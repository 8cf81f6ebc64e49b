"""The report as rows: what the page, the command and the API all show, in one shape."""

from __future__ import annotations

from dataclasses import dataclass

END_OF_INDUCTION_WORDS = "End of induction"
ANALYSIS_WORDS = {"itt": "All treated (ITT)", "completer": "Completers"}
MEASURE_WORDS = {"response": "Response", "remission": "Remission", "worsening": "Worsening"}
INSTRUMENT_WORDS = {"phq9": "PHQ-9", "gad7": "GAD-7", "pcl5": "PCL-5"}


def endpoint_words(endpoint: str) -> str:
    """The endpoint in words: "After session 2" (any name with the session's number)."""
    number = "".join(c for c in endpoint if c.isdigit())
    return f"After session {number}" if number else END_OF_INDUCTION_WORDS


def endpoint_session(endpoint: str) -> int | None:
    """The session an endpoint is after (4 of "session_4"); None for the end of induction."""
    number = "".join(c for c in endpoint if c.isdigit())
    return int(number) if number else None


def percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate * 100:.1f}%"


@dataclass(frozen=True)
class RateRow:
    """One rate: a measure at an endpoint in one analysis, with its 95% Wilson interval."""

    instrument: str
    endpoint: str
    analysis: str
    measure: str
    count: int
    n: int
    rate: float | None  # None: no patient to judge (n = 0)
    low: float | None
    high: float | None

    @property
    def labels(self) -> tuple[str, str, str, str]:
        """Instrument, endpoint, analysis and measure in words."""
        return (
            INSTRUMENT_WORDS.get(self.instrument, self.instrument),
            endpoint_words(self.endpoint),
            ANALYSIS_WORDS.get(self.analysis, self.analysis),
            MEASURE_WORDS.get(self.measure, self.measure),
        )

    @property
    def shown(self) -> str:
        return percent(self.rate)

    @property
    def interval(self) -> str:
        if self.low is None or self.high is None:
            return "n/a"
        return f"{percent(self.low)} to {percent(self.high)}"


@dataclass(frozen=True)
class ClassPath:
    """A trajectory class: its label, size and mean score at each assessment."""

    instrument: str
    label: str
    n: int
    share: float | None
    points: tuple[tuple[str, float], ...]  # (assessment, mean total), in time order
