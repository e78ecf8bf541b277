from django import forms

from .models import Role


class AddMemberForm(forms.Form):
    username = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    role = forms.TypedChoiceField(choices=Role.choices, coerce=int, initial=Role.VIEWER)


class ChangeRoleForm(forms.Form):
    username = forms.CharField(max_length=150, widget=forms.HiddenInput)
    role = forms.TypedChoiceField(choices=Role.choices, coerce=int)


class RemoveMemberForm(forms.Form):
    username = forms.CharField(max_length=150, widget=forms.HiddenInput)
