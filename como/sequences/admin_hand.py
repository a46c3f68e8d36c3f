"""Enrolling and removing a person by hand in the console, through the same services and
permission checks as the API (``member_add``, ``member_remove``; edit_data in the sequence's
workspace): the enrol page (from a sequence's page or a contact's), and the remove button of
a membership (on both pages too)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from como.leads.models import Contact
from como.workspaces.admin_base import CheckedAutocompleteSelect
from como.workspaces.principal import principal_for_request
from como.workspaces.roles import Permission

from .enrollment import member_add, member_remove
from .models import Sequence, SequenceMember


def may_edit(request: HttpRequest, workspace_id: int) -> bool:
    """What the API asks before enrolling or removing (``_may_edit``)."""
    return principal_for_request(request).can(Permission.EDIT_DATA, workspace_id)


class EnrolForm(forms.Form):
    sequence = forms.ModelChoiceField(queryset=Sequence.objects.none())
    contact = forms.ModelChoiceField(queryset=Contact.objects.none())

    def __init__(self, *args: Any, request: HttpRequest, site: admin.AdminSite, **kwargs: Any):
        super().__init__(*args, **kwargs)
        principal = principal_for_request(request)
        editable = principal.workspaces_with(Permission.EDIT_DATA)
        sequences = Sequence.objects.visible_to(principal).select_related("workspace")
        contacts = Contact.objects.visible_to(principal)
        if not principal.is_superuser:
            sequences = sequences.filter(workspace_id__in=sorted(editable))
            contacts = contacts.filter(workspace_id__in=sorted(editable))
        self.fields["sequence"] = forms.ModelChoiceField(queryset=sequences)
        # Picked by search (the contact admin's), not from a list of every contact.
        self.fields["contact"] = forms.ModelChoiceField(
            queryset=contacts,
            widget=CheckedAutocompleteSelect(SequenceMember._meta.get_field("contact"), site),
        )


def _next(request: HttpRequest, default: str) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if wanted and safe else default


class ByHandMixin:
    """For the SequenceMember admin: ``enrol/`` and ``<id>/remove/``."""

    def get_urls(self) -> list[URLPattern]:
        site: admin.AdminSite = self.admin_site  # type: ignore[attr-defined]
        return [
            path("enrol/", site.admin_view(self.enrol_view), name="sequences_sequencemember_enrol"),
            path(
                "<int:member_id>/remove/",
                site.admin_view(self.remove_view),
                name="sequences_sequencemember_remove",
            ),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def enrol_view(self, request: HttpRequest) -> HttpResponse:
        principal = principal_for_request(request)
        if not (principal.is_superuser or principal.workspaces_with(Permission.EDIT_DATA)):
            raise PermissionDenied
        site: admin.AdminSite = self.admin_site  # type: ignore[attr-defined]
        data = request.POST if request.method == "POST" else None
        form = EnrolForm(data, initial=request.GET.dict(), request=request, site=site)
        if data is not None and form.is_valid():
            sequence, contact = form.cleaned_data["sequence"], form.cleaned_data["contact"]
            if not may_edit(request, sequence.workspace_id):
                raise PermissionDenied
            try:
                member = member_add(sequence=sequence, contact=contact)
            except ValidationError as refused:
                form.add_error(None, [m for ms in refused.message_dict.values() for m in ms])
            else:
                messages.success(request, f"{contact} entered {sequence}.")
                member_page = reverse("admin:sequences_sequencemember_change", args=[member.pk])
                return HttpResponseRedirect(_next(request, member_page))
        context = {
            **site.each_context(request),
            "opts": SequenceMember._meta,
            "title": "Enrol a person in a sequence",
            "form": form,
            "media": form.media,
            "next": _next(request, ""),
        }
        return TemplateResponse(request, "admin/sequences/enrol.html", context)

    def remove_view(self, request: HttpRequest, member_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        visible = self.get_queryset(request)  # type: ignore[attr-defined]
        member = get_object_or_404(visible.select_related("contact", "sequence"), pk=member_id)
        if not may_edit(request, member.workspace_id):
            raise PermissionDenied
        member_remove(member=member)
        messages.success(request, f"{member.contact} is out of {member.sequence}.")
        member_page = reverse("admin:sequences_sequencemember_change", args=[member.pk])
        return HttpResponseRedirect(_next(request, member_page))
