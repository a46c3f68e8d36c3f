"""OEM co-op advertising: programs as data (their brand rules run as a compliance check), the
funds they accrue from sold new units, the spend of the campaigns tagged with them, and claim
packages (proof per channel, dates, spend, compliance report, invoices) as a ZIP."""
