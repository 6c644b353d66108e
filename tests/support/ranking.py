"""A ranking of provinces computed in the tests, from their summary.json alone, to check the reports' ranks."""


def independent_ranks(summaries: dict[str, dict], key: str) -> dict[str, tuple[int, int]]:
    """Ranks computed here from the province summaries: 1 = largest; ties share; no value, no rank."""
    kind, figure = key.split("_", 1)

    def value(s):
        r = s[kind]
        if figure == "thu_ly":
            return None if r["thu_ly_moi"] is None else r["nam_truoc_chuyen_sang"] + r["thu_ly_moi"]
        return r[figure]

    values = {code: value(s) for code, s in summaries.items()}
    known = sorted((v for v in values.values() if v is not None), reverse=True)
    return {code: (known.index(v) + 1, len(known)) for code, v in values.items() if v is not None}
