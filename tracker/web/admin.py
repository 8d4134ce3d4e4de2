"""User management for admins: create accounts, change roles, deactivate, reset passwords."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, render_template, url_for
from werkzeug.wrappers.response import Response

from tracker.db import get_session
from tracker.forms import PasswordResetForm, UserCreateForm, UserEditForm
from tracker.http.access import requires_role
from tracker.models import User
from tracker.services import users
from tracker.services.saving import ValidationFailed
from tracker.web.helpers import see_other

bp = Blueprint("admin", __name__, url_prefix="/admin")

Page = str | Response | tuple[str, int]


def _user(user_id: int) -> User:
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/users")
@requires_role("admin")
def users_index() -> str:
    return render_template("admin/users.html", users=users.list_users(get_session()))


@bp.route("/users/new", methods=["GET", "POST"])
@requires_role("admin")
def new_user() -> Page:
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user = users.create_user(
                get_session(),
                form.email.data or "",
                form.name.data or "",
                form.role.data or "",
                form.password.data or "",
            )
        except ValidationFailed as exc:
            form.add_errors(exc.errors)
        else:
            flash(f"Created the account of {user.label} ({user.role}).", "success")
            return see_other(url_for("admin.users_index"))
    return render_template("admin/new_user.html", form=form), (422 if form.errors else 200)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires_role("admin")
def edit_user(user_id: int) -> Page:
    user = _user(user_id)
    form = UserEditForm(obj=user)
    if form.validate_on_submit():
        try:
            users.update_user(
                get_session(),
                user,
                name=form.name.data or "",
                email=form.email.data or "",
                role=form.role.data or "",
                active=bool(form.active.data),
            )
        except ValidationFailed as exc:
            form.add_errors(exc.errors)
        else:
            flash(f"Saved the account of {user.label}.", "success")
            return see_other(url_for("admin.users_index"))
    return render_template(
        "admin/edit_user.html",
        form=form,
        user=user,
        password_form=PasswordResetForm(formdata=None),
        is_self=user.id == g.user.id,
    ), (422 if form.errors else 200)


@bp.post("/users/<int:user_id>/password")
@requires_role("admin")
def reset_password(user_id: int) -> Page:
    user = _user(user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            users.reset_password(get_session(), user, form.password.data or "")
        except ValidationFailed as exc:
            form.add_errors(exc.errors)
        else:
            flash(
                f"Set a new password for {user.label}; their sessions are signed out and "
                "their API tokens revoked.",
                "success",
            )
            return see_other(url_for("admin.users_index"))
    return render_template(
        "admin/edit_user.html",
        form=UserEditForm(obj=user, formdata=None),
        user=user,
        password_form=form,
        is_self=user.id == g.user.id,
    ), 422


@bp.post("/users/<int:user_id>/sign-out")
@requires_role("admin")
def sign_out_user(user_id: int) -> Response:
    user = _user(user_id)
    users.end_sessions(user)
    get_session().flush()
    flash(f"Signed {user.label} out on every device.", "success")
    return see_other(url_for("admin.users_index"))
