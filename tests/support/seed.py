"""The sentences of the seed article (Hậu Giang, 11 tháng năm 2024) as the report on the sample data writes them.

The sample data carry the flow columns and every province, so the report adds the flow of cases and each
figure's rank; `unranked` takes the ranks out, and what is left must hold the article's figures in its words.
"""

import re

SEED_SENTENCES = [
    "tổng số phải thi hành là 11.410 việc. Trong đó, có 7.942 việc có điều kiện thi hành, chiếm 69,61% tổng số phải "
    "thi hành; 3.468 việc chưa có điều kiện thi hành; số thi hành xong là 6.113 việc, đạt 76,97% (chỉ tiêu giao là "
    "83,35%)",
    "tổng số tiền phải thi hành là trên 3.343 tỷ đồng, số thi hành xong là trên 508 tỷ đồng, đạt 33,89% (chỉ tiêu "
    "giao là 46,75%)",
]
RANK = re.compile(r" \(xếp thứ \d+/\d+\)|xếp thứ \d+/\d+; ")


def unranked(text: str) -> str:
    """`text` without its "(xếp thứ k/N)" marks."""
    return RANK.sub("", text)
