"""The records an inspector asks for, derived from the stock book and the clinic's records.

One module a record: the inventory (`inventory`), the destruction record (`destructions`),
the theft or significant loss report draft (`loss`) and the dispensing log
(`dispensing_log`). Each gathers, in a fixed number of queries, a frozen dataclass of words
for the actor's clinic (policy row "read_inspection_records"); `render` makes its page body
and its PDF. Nothing on a record is typed for it: every figure comes from the book and the
rows its services wrote. The legal references are the clinic's jurisdiction's
(`jurisdiction`). The pages (web.workspace.stock.inspection) record each read in the audit log.
"""
