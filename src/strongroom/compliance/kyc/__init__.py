"""Know your customer: validators for what an applicant states (identity numbers, bank
identifiers, birth date, identity document) and the `KycProvider` seam that turns them, with a
sanctions screening, into a verdict. Pure: no I/O, nothing from `strongroom.store`."""
