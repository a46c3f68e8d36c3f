"""B2B accounts: companies found from their people's work email domains, and buying committees.

- ``domains``: an address's registrable domain (tldextract on its bundled, offline Public Suffix
  List) and whether it is a free-mail provider's.
- ``linking``: contacts linked to their workspace's account of that domain, set-based, in the
  writer's transaction (a leads reaction) and for existing contacts as a background run
  (``runs``, ``tasks``).
- ``titles``: a title's department and level by rules held as data; ``committee``: a member's
  role (inferred, from the CRM, or set by hand), kept on :class:`~.models.CommitteeMember`;
  ``selectors``: engagement and coverage at an instant.
- ``settings``: the playbook's ``accounts`` section (roles, required flags, weights, HubSpot
  mapping, engagement window and bar).
"""
