"""Attribution: which touches earned a conversion (an MQL, a deal) and its money.

:mod:`.credit` holds the models as pure functions over one journey (the definition);
:mod:`.money` splits an amount by their shares to the cent."""
