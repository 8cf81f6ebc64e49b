"""The clinic stock's commands, one module a topic: receipts, transfers and returns, and more.

What a field is (a lot number, a whole number of units, a DEA number's check digit, the
shape of a product) is checked here, once, for every face. What depends on the clinic's
stock (a later receipt of a lot matches the lot master, the expiry is after the clinic's
today, the lot holds the units, the verifier is not the receiver) is the services'
(pharmacy.receipts, pharmacy.outgoing and the other services of the app).
"""
