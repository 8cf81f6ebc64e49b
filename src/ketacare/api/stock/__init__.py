"""The clinic's stock, under /stock: one router a topic, all under the "stock" tag.

`lots` (the lot master, a lot's book, receipts and their second-person verification,
transfers and returns to the supplier), `counts` (counts against the book, discrepancies,
losses, the book's consistency check), `destruction` (witnessed destructions) and
`recalls` (who received a lot, the recall and its call tasks). Every rule is the
pharmacy's services'.
"""
