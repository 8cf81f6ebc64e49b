"""The clinic's stock pages: on hand by lot, receipts, counts, destructions, recalls, records.

`lots`: the stock page (lots on hand, pending receipts) and a lot's page (its book,
transfers and returns to the supplier); `receipts`: recording a receipt, and its
verification or rejection by a second person; `counts`: a count of the shelf against the
book, its discrepancies and losses; `destruction`: witnessed destructions; `recalls`: who
received a lot, its recall and the call tasks; `inspection`: the records an inspector
asks for, as pages and PDFs. Every rule is the services' (ketacare.pharmacy, and the
reads across stock and ledgers in treatment); these views read the forms, call them and
show their answers.
"""
