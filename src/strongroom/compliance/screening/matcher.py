"""`NameScreener`: fuzzy screening of a name against watch lists, through an index so that a
query scores only the listed names that could reach the threshold.

Scoring (the definition; `name_score` computes it directly, the index only skips names it
proves cannot reach the threshold):

- Names are compared as token sets after `normalise.name_tokens` (order does not count).
- Two tokens are similar by rapidfuzz's `fuzz.ratio` (normalised Indel similarity) when it is at
  least `TOKEN_CUTOFF`, and not at all below it ("smith" and "smithers", 77, are different
  names; "mohamed" and "mohammed", 93, are one name spelt two ways).
- Forward coverage: each query token's best similarity among the listed name's tokens, averaged
  weighted by token length. Backward coverage: the same from the listed name's side, except that
  a listed token matching no query token weighs half: payment messages drop middle names and
  patronymics, so a listed token missing from the query says less than a query token missing
  from the list. The name score is the mean of the two, 0 to 100.
- An entry's name score is its best name's (primary or alias). Then the tie-breakers: a query
  birth date that agrees with one of the entry's (as precisely as the list gives it) adds
  `BIRTH_AGREES`, one that agrees with none adds `BIRTH_DIFFERS`; the query country among the
  entry's countries adds `COUNTRY_AGREES`, outside them `COUNTRY_DIFFERS`. Either is skipped
  when the query or the entry has none. The result is kept within 0 to 100.

Why not rapidfuzz's `token_set_ratio` or `WRatio` over whole names: both give 90 to 100 when one
name's tokens are a subset of the other's ("Ali" against "Ali Hassan Karim"), and their
scores depend on whole-string alignment, which no token index can bound; see
docs/compliance.md ("Sanctions and PEP screening") for the measurements.

The index: query tokens' similar tokens are found by rapidfuzz over the list's vocabulary
(bucketed by length, cached per token), and names are found through token postings. An entry's
score exceeds its name score by at most what the query's tie-breakers can add
(`raise_at_most`), so a hit needs a name score of at least the threshold less that, hence (with
the listed side's coverage at most 100) a forward coverage F, hence matches for query tokens
carrying F of the query's length. Candidates are the names matching every token of some such
subset of query tokens: a name matching no such subset cannot be a hit. The entries found for
a name's tokens and a bound, with their name scores, serve every query of that name whose
tie-breakers are of the same kinds (whatever their values): each screener keeps them, and
the hits of each query (name, birth date and country alike): payments go to the same
counterparties again and again.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from strongroom.compliance.screening.normalise import name_tokens
from strongroom.compliance.screening.types import Hit, NameQuery
from strongroom.compliance.screening.watchlist import ListedEntry, WatchList
from strongroom.errors import ValidationError

TOKEN_CUTOFF = 80.0
#: How much more the query's coverage counts than the listed name's.
FORWARD_WEIGHT = 3.0
#: The weight, relative to its length, of a listed token no query token matches.
UNMATCHED_LISTED_WEIGHT = 0.5
BIRTH_AGREES = 5.0
BIRTH_DIFFERS = -10.0
COUNTRY_AGREES = 3.0
COUNTRY_DIFFERS = -5.0
DEFAULT_THRESHOLD = 80.0
#: Hits a screening returns at most (the best ones): a case worker reads them.
MAX_HITS = 25
#: Query tokens whose similar tokens are remembered per index (then forgotten all at once).
TOKEN_CACHE = 100_000
#: Names whose scores, and queries whose hits, are remembered per screener (then forgotten all
#: at once).
SCREENING_CACHE = 100_000
#: Query tokens up to which candidates are the names matching enough of them together (by
#: intersecting their sets of names over the subsets of tokens); longer queries take the union
#: over their rarest tokens, which is looser.
MAX_EXACT_TOKENS = 8
# Guards the pruning bound against floating-point rounding in the coverage sums.
_EPSILON = 1e-6
# More than a hit's score can gain by its rounding to one decimal.
_ROUNDING = 0.1


def token_similarity(a: str, b: str) -> float:
    return fuzz.ratio(a, b, score_cutoff=TOKEN_CUTOFF)


def name_score(query: Sequence[str], listed: Sequence[str]) -> float:
    """The name score of query tokens against a listed name's tokens (see the module
    docstring)."""
    if not query or not listed:
        return 0.0
    matches = [_match([token_similarity(t, u) for t in query]) for u in listed]
    return _coverage(matches, [len(u) for u in listed], [len(t) for t in query])


def raise_at_most(query: NameQuery) -> float:
    """How much the tie-breakers can add to an entry's name score for `query`."""
    return (BIRTH_AGREES if query.birth_date else 0.0) + (COUNTRY_AGREES if query.country else 0.0)


def adjusted(score: float, entry: ListedEntry, query: NameQuery) -> tuple[float, list[str]]:
    """An entry's name score with the tie-breakers applied, and why."""
    reasons = []
    if query.birth_date is not None and entry.birth_dates:
        if any(d.agrees(query.birth_date) for d in entry.birth_dates):
            score += BIRTH_AGREES
            reasons.append("birth date agrees")
        else:
            score += BIRTH_DIFFERS
            reasons.append("birth date differs")
    if query.country is not None and entry.countries:
        if query.country.upper() in entry.countries:
            score += COUNTRY_AGREES
            reasons.append("country agrees")
        else:
            score += COUNTRY_DIFFERS
            reasons.append("country differs")
    return min(100.0, max(0.0, score)), reasons


def best_names(scored: Iterable[tuple[int, float, str]]) -> dict[int, tuple[float, str]]:
    """Each entry's best (name score, name) from (entry, name score, name) triples; of names
    scoring alike, the first in code-point order (so the choice does not depend on the order
    names are scored in)."""
    best: dict[int, tuple[float, str]] = {}
    for entry, score, text in scored:
        held = best.get(entry)
        if held is None or score > held[0] or (score == held[0] and text < held[1]):
            best[entry] = (score, text)
    return best


def entry_hit(
    list_name: str,
    entry: ListedEntry,
    name: str,
    score: float,
    query: NameQuery,
    threshold: float,
) -> Hit | None:
    """The hit on `entry`, whose best name `name` scored `score`, if it reaches `threshold`."""
    final, reasons = adjusted(score, entry, query)
    if final < threshold:
        return None
    return Hit(
        list_name=list_name,
        entry_id=entry.entry_id,
        matched_name=name,
        score=round(final, 1),
        reasons=(f"name {score:.1f}", *reasons),
    )


def ranked(hits: list[tuple[Hit, float]], limit: int) -> tuple[Hit, ...]:
    """Best first: by score, then name score, then list and entry (a stable order)."""
    hits.sort(key=lambda h: (-h[0].score, -h[1], h[0].list_name, h[0].entry_id))
    return tuple(hit for hit, _ in hits[:limit])


#: A listed token's similarity to each query token, and the best of them; None when it is similar
#: to none.
_Match = tuple[tuple[float, ...], float] | None


def _match(similarities: Sequence[float]) -> _Match:
    best = max(similarities)
    return (tuple(similarities), best) if best else None


def _coverage(
    listed: Iterable[_Match], listed_lengths: Iterable[int], query_lengths: Sequence[int]
) -> float:
    """The name score from the matches of a listed name's tokens, in order."""
    best_forward = [0.0] * len(query_lengths)
    covered = weight = 0.0
    for match, n in zip(listed, listed_lengths, strict=True):
        if match is None:
            weight += n * UNMATCHED_LISTED_WEIGHT
            continue
        similarities, best = match
        best_forward = list(map(max, best_forward, similarities))
        covered += n * best
        weight += n
    forward = sum(n * s for n, s in zip(query_lengths, best_forward, strict=True))
    forward /= sum(query_lengths)
    return (FORWARD_WEIGHT * forward + covered / weight) / (FORWARD_WEIGHT + 1)


@dataclass(frozen=True, slots=True)
class _Similar:
    """A query token's similar vocabulary tokens, and the names holding any of them."""

    scores: dict[int, float]
    names: frozenset[int]


@dataclass(frozen=True, slots=True)
class _Name:
    entry: int
    text: str
    tokens: tuple[int, ...]
    lengths: tuple[int, ...]


class NameIndex:
    """The names of some watch lists, by token. Immutable once built, except for its cache of
    query tokens' similar tokens."""

    def __init__(self, lists: Sequence[WatchList]) -> None:
        self.lists = tuple(lists)
        self.entries: list[tuple[str, ListedEntry]] = []
        self.names: list[_Name] = []
        self.vocabulary: list[str] = []
        token_ids: dict[str, int] = {}
        postings: list[list[int]] = []
        for watch_list in lists:
            for entry in watch_list.entries:
                self.entries.append((watch_list.name, entry))
                for text in entry.names:
                    tokens = name_tokens(text)
                    if not tokens:
                        continue
                    ids = []
                    for token in tokens:
                        if token not in token_ids:
                            token_ids[token] = len(self.vocabulary)
                            self.vocabulary.append(token)
                            postings.append([])
                        ids.append(token_ids[token])
                    name_id = len(self.names)
                    for token_id in set(ids):
                        postings[token_id].append(name_id)
                    self.names.append(
                        _Name(len(self.entries) - 1, text, tuple(ids), tuple(map(len, tokens)))
                    )
        self.postings = [tuple(p) for p in postings]
        self._by_length: dict[int, tuple[list[str], list[int]]] = {}
        for token_id, token in enumerate(self.vocabulary):
            texts, ids = self._by_length.setdefault(len(token), ([], []))
            texts.append(token)
            ids.append(token_id)
        self._similar: dict[str, _Similar] = {}

    def similar(self, token: str) -> _Similar:
        """The vocabulary's tokens similar to `token`, and the names holding them."""
        found = self._similar.get(token)
        if found is not None:
            return found
        scores = {}
        # ratio >= c needs the shorter length to be at least c / (200 - c) of the longer one.
        shortest = int(len(token) * TOKEN_CUTOFF / (200 - TOKEN_CUTOFF))
        longest = int(len(token) * (200 - TOKEN_CUTOFF) / TOKEN_CUTOFF) + 1
        for length in range(max(shortest, 1), longest + 1):
            bucket = self._by_length.get(length)
            if bucket is None:
                continue
            texts, ids = bucket
            for _, score, i in process.extract(
                token, texts, scorer=fuzz.ratio, score_cutoff=TOKEN_CUTOFF, limit=None
            ):
                scores[ids[i]] = score
        names = frozenset().union(*(self.postings[u] for u in scores))
        found = _Similar(scores, names)
        if len(self._similar) >= TOKEN_CACHE:
            self._similar.clear()
        self._similar[token] = found
        return found

    def candidates(
        self, query: Sequence[str], similar: Sequence[_Similar], least: float
    ) -> set[int]:
        """The names that may reach a name score of `least`: those matching query tokens that
        carry enough of the query's length (see the module docstring)."""
        # With the listed side's coverage at 100, the query's must be at least this.
        forward = ((FORWARD_WEIGHT + 1) * least - 100) / FORWARD_WEIGHT - _EPSILON
        if forward <= 0:
            return set(range(len(self.names)))
        lengths = [len(t) for t in query]
        needed = sum(lengths) * forward / 100
        found: set[int] = set()
        if len(query) > MAX_EXACT_TOKENS:
            # Too many token subsets to intersect: the rarest tokens carrying more than the
            # rest may lack, one of which any candidate matches.
            taken = 0
            for i in sorted(range(len(query)), key=lambda i: len(similar[i].names)):
                found |= similar[i].names
                taken += lengths[i]
                if taken > sum(lengths) - needed:
                    break
            return found
        qualifying = [
            mask
            for mask in range(1, 1 << len(query))
            if sum(n for i, n in enumerate(lengths) if mask >> i & 1) >= needed
        ]
        chosen = set(qualifying)
        for mask in qualifying:
            # A subset whose every one-smaller subset fails: its supersets find nothing more.
            if any(mask & ~(1 << i) in chosen for i in range(len(query)) if mask >> i & 1):
                continue
            sets = sorted((similar[i].names for i in range(len(query)) if mask >> i & 1), key=len)
            found |= sets[0].intersection(*sets[1:])
        return found

    @staticmethod
    def matches(similar: Sequence[_Similar]) -> dict[int, _Match]:
        """The matches of the vocabulary tokens similar to any query token (`similar`, one per
        query token), by token id."""
        rows = [s.scores for s in similar]
        return {
            u: _match([row.get(u, 0.0) for row in rows])
            for u in frozenset().union(*(row.keys() for row in rows))
        }

    @staticmethod
    def score(name: _Name, matches: dict[int, _Match], query_lengths: Sequence[int]) -> float:
        return _coverage(map(matches.get, name.tokens), name.lengths, query_lengths)


class NameScreener:
    """Screens names against watch lists (the `Screener` of `types`)."""

    def __init__(
        self,
        lists: Sequence[WatchList] | NameIndex,
        threshold: float = DEFAULT_THRESHOLD,
        max_hits: int = MAX_HITS,
    ) -> None:
        if not 0 < threshold <= 100:
            raise ValidationError("threshold", "must be more than 0 and at most 100")
        if max_hits < 1:
            raise ValidationError("max_hits", "must be at least 1")
        self.index = lists if isinstance(lists, NameIndex) else NameIndex(lists)
        self.threshold = threshold
        self.max_hits = max_hits
        # The lists never change under a screener (a reload builds a new one), so a query's
        # hits and a name's scores are the same each time: payments go to the same
        # counterparties again. Scores are kept per name and bound (which tie-breakers a query
        # has, not their values), hits per query.
        self._scored: dict[tuple[tuple[str, ...], float], tuple[tuple[int, float, str], ...]] = {}
        self._hits: dict[NameQuery, tuple[Hit, ...]] = {}
        #: Screenings answered from what the screener kept (a query's hits or a name's scores).
        self.cache_hits = 0

    def screen(self, query: NameQuery) -> tuple[Hit, ...]:
        """Hits at or above the threshold, best first, at most `max_hits`."""
        found = self.kept(query)
        if found is None:
            found = self._screen(query)
            self.keep(query, found)
        return found

    def kept(self, query: NameQuery) -> tuple[Hit, ...] | None:
        """The hits of `query` if this screener has them, without screening."""
        found = self._hits.get(query)
        if found is not None:
            self.cache_hits += 1
        return found

    def keep(self, query: NameQuery, hits: tuple[Hit, ...]) -> None:
        """Keep `hits` as the answer to `query`: what this screener answered, or a screener
        over the same lists in another process (`worker.ScreeningWorker`)."""
        if len(self._hits) >= SCREENING_CACHE:
            self._hits.clear()
        self._hits[query] = hits

    def _screen(self, query: NameQuery) -> tuple[Hit, ...]:
        tokens = tuple(name_tokens(query.name))
        if not tokens:
            return ()
        raised = raise_at_most(query)
        hits = []
        # The best `max_hits` hit scores so far, the least first.
        kept: list[float] = []
        for entry_id, score, text in self._near(tokens, self.threshold - raised):
            # Entries come best name score first, so the first that this query's tie-breakers
            # cannot lift (rounded) to the least of the kept hits ends the search.
            if len(kept) == self.max_hits and score + raised + _ROUNDING < kept[0]:
                break
            list_name, entry = self.index.entries[entry_id]
            hit = entry_hit(list_name, entry, text, score, query, self.threshold)
            if hit is not None:
                hits.append((hit, score))
                if len(kept) < self.max_hits:
                    heapq.heappush(kept, hit.score)
                else:
                    heapq.heappushpop(kept, hit.score)
        return ranked(hits, self.max_hits)

    def _near(self, tokens: tuple[str, ...], least: float) -> tuple[tuple[int, float, str], ...]:
        """(entry, name score, best name) of the entries whose name score is at least `least`,
        best name score first."""
        key = (tokens, least)
        found = self._scored.get(key)
        if found is not None:
            self.cache_hits += 1
            return found
        index = self.index
        similar = [index.similar(t) for t in tokens]
        lengths = [len(t) for t in tokens]
        matches = index.matches(similar)
        scored = (
            (name.entry, index.score(name, matches, lengths), name.text)
            for name in map(index.names.__getitem__, index.candidates(tokens, similar, least))
        )
        found = tuple(
            sorted(
                (
                    (entry, score, text)
                    for entry, (score, text) in best_names(scored).items()
                    if score >= least - _EPSILON
                ),
                key=lambda near: -near[1],
            )
        )
        if len(self._scored) >= SCREENING_CACHE:
            self._scored.clear()
        self._scored[key] = found
        return found
