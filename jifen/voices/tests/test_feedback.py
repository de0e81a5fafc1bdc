"""The feedback box: a resident posts, staff reply (the status becomes answered), the resident
reads the reply, staff close it and it takes no more replies."""

import pytest

from jifen.voices import errors, services
from jifen.voices.models import Feedback, FeedbackStatus


def test_reply_flow(programme, member, admin):
    feedback = services.post_feedback(member=member, text="  3号楼路灯坏了  ", anonymous=True)
    assert feedback.text == "3号楼路灯坏了" and feedback.status == FeedbackStatus.OPEN
    services.reply_feedback(feedback=feedback, text="已报修，周五前修好。", actor=admin)
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.ANSWERED and feedback.answered_at
    assert [r.text for r in feedback.replies.all()] == ["已报修，周五前修好。"]
    closed = services.close_feedback(feedback=feedback, actor=admin)
    assert closed.status == FeedbackStatus.CLOSED
    with pytest.raises(errors.FeedbackClosed):
        services.reply_feedback(feedback=feedback, text="again", actor=admin)


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001])
def test_empty_or_long_feedback_is_refused(member, text):
    with pytest.raises(errors.InvalidFeedback):
        services.post_feedback(member=member, text=text)
    assert not Feedback.objects.exists()


@pytest.mark.parametrize("text", ["a\x00b", "a\ud800b"])
def test_unstorable_feedback_is_refused(member, text):
    with pytest.raises(errors.InvalidInput) as caught:
        services.post_feedback(member=member, text=text)
    assert caught.value.status == 400
