"""``action get|list|wait``, and the wait that ``snapshot ... --wait`` shares."""

from __future__ import annotations

from hostinger_api.api.vps_actions_api import VPSActionsApi
from hostinger_api.cli._output import Progress
from hostinger_api.cli._session import (
    EXIT_ACTION_FAILED,
    EXIT_API_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_WAIT_TIMED_OUT,
    Session,
)
from hostinger_api.exceptions import ActionFailedError, ActionTimeoutError, ApiException
from hostinger_api.waiters import poll_action


def action_get(session: Session) -> int:
    actions = VPSActionsApi(session.api_client)
    session.show(actions.get_action_details_v1(session.vm, session.options.action_id))
    return EXIT_OK


def action_list(session: Session) -> int:
    actions = VPSActionsApi(session.api_client)
    session.show(actions.get_actions_v1(session.vm, page=session.options.page))
    return EXIT_OK


def action_wait(session: Session) -> int:
    return wait(session, session.options.action_id)


def wait(session: Session, action_id: int) -> int:
    """Wait for the action, showing progress; the exit code says how it ended."""
    progress = Progress(session.err)
    resume = f"Resume the wait with: hostinger-api action wait {session.vm} {action_id}"
    try:
        for seen in poll_action(
            session.api_client,
            session.vm,
            action_id,
            timeout=session.options.timeout,
            poll_interval=session.poll_interval,
        ):
            progress.update(seen)
    except (ActionFailedError, ActionTimeoutError) as ended:
        progress.end()
        if ended.action is not None:
            session.show(ended.action)
        if isinstance(ended, ActionFailedError):
            session.say(f"hostinger-api: {ended}")
            return EXIT_ACTION_FAILED
        session.say(f"hostinger-api: {ended}. The action goes on. {resume}")
        return EXIT_WAIT_TIMED_OUT
    except ApiException as error:
        progress.end()
        session.say(f"hostinger-api: {type(error).__name__}: {str(error).rstrip()}\n{resume}")
        return EXIT_API_ERROR
    except KeyboardInterrupt:
        progress.end()
        session.say(f"hostinger-api: interrupted; action {action_id} goes on. {resume}")
        return EXIT_INTERRUPTED
    progress.end()
    session.show(seen)
    return EXIT_OK
