import { type PublicUser, ROOM_MENTION_MAX_MEMBERS } from '@chat/protocol';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ChatApi } from '../api/chat-api';
import { FileLinks, FileUploads } from './attachments';
import { AvatarLinks } from './avatar';
import { MentionContext } from '../attention/mention-context';
import { createNotifier, notificationsAskable, setFaviconCount } from '../attention/notifier';
import { SearchDialog } from '../attention/search-dialog';
import { ChatController } from '../chat/chat-controller';
import { EMPTY_TIMELINE, oldestId } from '../chat/timeline';
import { typingUsers } from '../chat/typing';
import type { RealtimeConnection } from '../realtime/realtime-connection';
import { AccountDialog, type AccountApi } from './account-dialog';
import { ConnectionBanner } from './connection-banner';
import { preloadMarkdown } from './lazy-markdown';
import { errorText } from './error-text';
import { RoomView } from './room-view';
import { LeaveDialog } from '../rooms/leave-dialog';
import { MembersDialog } from '../rooms/members-dialog';
import { isStaff, useMyRole } from '../rooms/use-my-role';
import { useRoomActivity } from '../rooms/room-activity';
import { ProfileCard } from '../rooms/profile';
import { RoomSettingsDialog } from '../rooms/settings-dialog';
import { BrowseRoomsDialog, CreateRoomDialog, UsernameDialog } from './room-dialogs';
import { Sidebar } from './sidebar';
import { useChatState } from './use-chat-state';
import { type HashRoute, messageHref, useHashRoute } from './use-hash-route';

/** What the signed-in part of the app runs on. */
export interface ChatAppProps {
  me: PublicUser;
  api: ChatApi;
  openConnection: () => RealtimeConnection;
  onLogout: () => void;
  onUnauthorized: () => void;
}

type OpenDialog = 'create' | 'browse' | 'direct' | 'invite' | 'account' | 'members' | 'settings' | 'leave' | 'search' | undefined;

/** The signed-in app: creates the chat controller for the session and lays out sidebar and room. */
export function ChatApp(props: ChatAppProps) {
  const [controller, setController] = useState<ChatController>();
  const { me, api, openConnection, onUnauthorized } = props;
  useEffect(() => {
    // The notifier asks the controller, which is created with it: one holder for both.
    const held: { controller?: ChatController } = {};
    const notify = createNotifier({
      me,
      room: (roomId) => held.controller?.getState().rooms.find((r) => r.id === roomId),
      preferences: (roomId) => held.controller!.preferences(roomId),
      // The message's permalink: the room opens with the history around it, the message flashed.
      open: (message) => void (window.location.hash = messageHref(message)),
    });
    const created = new ChatController({
      me,
      api,
      connection: openConnection(),
      onUnauthorized,
      storage: localStorage,
      onMention: (message) => notify(message, true),
      onMessage: (message) => notify(message, message.mentions?.includes(me.id) ?? false),
    });
    held.controller = created;
    created.start();
    setController(created);
    return () => created.stop();
  }, [me, api, openConnection, onUnauthorized]);
  if (!controller) return <ConnectionBanner state="connecting" />;
  return (
    <FileLinks.Provider value={api}>
      <FileUploads.Provider value={api}>
        <AvatarLinks.Provider value={api}>
          <ChatLayout controller={controller} api={api} onLogout={props.onLogout} account={{ api, onSignedOut: onUnauthorized }} />
        </AvatarLinks.Provider>
      </FileUploads.Provider>
    </FileLinks.Provider>
  );
}

function ChatLayout({ controller, api, onLogout, account }: { controller: ChatController; api: ChatApi; onLogout: () => void; account?: { api: AccountApi; onSignedOut: () => void } }) {
  const state = useChatState(controller);
  const [route, navigate] = useHashRoute();
  const routeRoomId = route.roomId;
  const focus = usePermalink(controller, route);
  const [dialog, setDialog] = useState<OpenDialog>();
  /** The user whose profile card is open (a sender's name was clicked). */
  const [profileOf, setProfileOf] = useState<string>();
  const [actionError, setActionError] = useState<string>();

  useEffect(() => controller.openRoom(routeRoomId), [controller, routeRoomId]);
  useEffect(preloadMarkdown, []);
  // The room I was viewing went away (left it, or was removed): back to the list.
  useEffect(() => {
    if (routeRoomId && state.roomsLoaded && !state.rooms.some((r) => r.id === routeRoomId)) navigate(undefined);
  }, [routeRoomId, state.roomsLoaded, state.rooms, navigate]);
  useEffect(() => {
    const onVisibility = () => controller.setVisible(document.visibilityState === 'visible');
    onVisibility();
    document.addEventListener('visibilitychange', onVisibility);
    return () => document.removeEventListener('visibilitychange', onVisibility);
  }, [controller]);

  // The browser knows first when the network goes: the banner says so at once (the ping catches the rest).
  useEffect(() => {
    const offline = () => controller.wentOffline();
    const online = () => controller.cameOnline();
    if (!navigator.onLine) offline();
    window.addEventListener('offline', offline);
    window.addEventListener('online', online);
    return () => {
      window.removeEventListener('offline', offline);
      window.removeEventListener('online', online);
    };
  }, [controller]);

  const activeRoom = state.rooms.find((r) => r.id === state.activeRoomId);
  const activitySource = useMemo(() => ({ roomActivity: api.roomActivity, onActivity: controller.onActivity }), [api, controller]);
  // The timeline reaches back as far as the messages loaded (older pages as the reader scrolls up).
  const activity = useRoomActivity(activitySource, activeRoom?.id, activeRoom ? oldestId(state.timelines[activeRoom.id] ?? EMPTY_TIMELINE) : undefined);
  const { role: myRole } = useMyRole(api, activeRoom, state.me);
  // Ctrl/Cmd+K searches; Escape (outside dialogs and fields that use it) marks the open room read.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        setDialog('search');
      } else if (event.key === 'Escape' && !event.defaultPrevented && state.activeRoomId && !document.querySelector('dialog[open]')) {
        controller.markRoomRead(state.activeRoomId);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [controller, state.activeRoomId]);
  const counted = (roomId: string) => !controller.preferences(roomId).muted;
  const unreadTotal = state.rooms.reduce((sum, r) => sum + (counted(r.id) ? controller.unreadCount(r.id) : 0), 0);
  const mentionTotal = state.rooms.reduce((sum, r) => sum + (counted(r.id) ? controller.mentionCount(r.id) : 0), 0);
  useEffect(() => {
    const base = activeRoom ? `${activeRoom.visibility === 'direct' ? '' : '#'}${activeRoom.name} · Chat` : 'Chat';
    document.title = unreadTotal > 0 ? `(${unreadTotal}) ${base}` : base;
    setFaviconCount(mentionTotal > 0 ? mentionTotal : unreadTotal);
  }, [activeRoom, unreadTotal, mentionTotal]);
  const [askNotifications, setAskNotifications] = useState(notificationsAskable);

  const onlineMembers = useMemo(() => {
    if (!activeRoom) return [];
    return (state.members[activeRoom.id] ?? []).filter((m) => state.online[m.id]);
  }, [activeRoom, state.members, state.online]);

  const closeDialog = useCallback(() => setDialog(undefined), []);
  const loadPublicRooms = useCallback(() => controller.publicRooms(), [controller]);
  const openRoom = (roomId: string) => {
    setDialog(undefined);
    navigate(roomId);
  };

  return (
    <MentionContext.Provider value={state.me}>
    <div className="app" data-view={activeRoom ? 'room' : 'list'}>
      <ConnectionBanner state={state.connection} />
      <Sidebar
        me={state.me}
        rooms={state.rooms}
        roomsLoaded={state.roomsLoaded}
        activeRoomId={state.activeRoomId}
        unreadCount={(roomId) => controller.unreadCount(roomId)}
        mentionCount={(roomId) => controller.mentionCount(roomId)}
        isMuted={(roomId) => controller.preferences(roomId).muted}
        onEnableNotifications={
          askNotifications ? () => void Notification.requestPermission().then(() => setAskNotifications(notificationsAskable())) : undefined
        }
        onCreateRoom={() => setDialog('create')}
        onBrowseRooms={() => setDialog('browse')}
        onDirectMessage={() => setDialog('direct')}
        onLogout={onLogout}
        onAccount={account && (() => setDialog('account'))}
        invitations={state.invitations}
        onAcceptInvitation={(roomId) =>
          controller.acceptInvitation(roomId).then(
            (room) => navigate(room.id),
            (error: unknown) => setActionError(errorText(error)),
          )
        }
        onDeclineInvitation={(roomId) => controller.declineInvitation(roomId).catch((error: unknown) => setActionError(errorText(error)))}
      />
      <main className="main">
        {(state.notice || actionError) && (
          <div className="notice" role="alert">
            <span>{actionError ?? state.notice}</span>
            <button
              type="button"
              className="icon-button"
              aria-label="Dismiss"
              onClick={() => {
                setActionError(undefined);
                controller.dismissNotice();
              }}
            >
              ×
            </button>
          </div>
        )}
        {activeRoom ? (
          <RoomView
            room={activeRoom}
            me={state.me}
            timeline={state.timelines[activeRoom.id] ?? EMPTY_TIMELINE}
            activity={activity}
            streaming={state.streaming}
            assistantName={state.assistant?.name}
            loadingOlder={state.loadingOlder[activeRoom.id] ?? false}
            historyError={state.historyError[activeRoom.id]}
            onlineMembers={onlineMembers}
            typing={typingUsers(state.typing, activeRoom.id, state.me.id, Date.now())}
            onLoadOlder={() => void controller.loadOlder(activeRoom.id)}
            onSend={(text, attachments) => controller.send(activeRoom.id, text, attachments)}
            onTyping={() => controller.notifyTyping(activeRoom.id)}
            onRetry={(clientMsgId) => controller.retry(activeRoom.id, clientMsgId)}
            onDiscard={(clientMsgId) => controller.discard(activeRoom.id, clientMsgId)}
            messages={controller.messages}
            members={state.members[activeRoom.id]}
            onEdited={controller.showEdited}
            focus={focus?.roomId === activeRoom.id ? focus : undefined}
            onOpenProfile={setProfileOf}
            dividerAfter={state.unreadDivider?.roomId === activeRoom.id ? state.unreadDivider.afterId : undefined}
            onJumpToUnread={() => void controller.jumpToUnread(activeRoom.id)}
            onInvite={() => setDialog('invite')}
            onMembers={() => setDialog('members')}
            onSettings={() => setDialog('settings')}
            canMentionRoom={isStaff(myRole) && activeRoom.memberCount <= ROOM_MENTION_MAX_MEMBERS}
            onSaveTopic={isStaff(myRole) && !activeRoom.archivedAt ? async (topic) => void (await api.updateRoom(activeRoom.id, { topic })) : undefined}
            onLeave={() => setDialog('leave')}
          />
        ) : (
          <div className="empty-state">
            <h1>Welcome, {state.me.username}</h1>
            <p>Pick a room on the left, create one, or start a direct message.</p>
            <div className="empty-state__actions">
              <button type="button" className="button button--primary" onClick={() => setDialog('create')}>
                New room
              </button>
              <button type="button" className="button" onClick={() => setDialog('browse')}>
                Browse rooms
              </button>
            </div>
          </div>
        )}
      </main>
      {dialog === 'account' && account && <AccountDialog api={account.api} myId={state.me.id} onClose={closeDialog} onSignedOut={account.onSignedOut} />}
      {profileOf && (
        <ProfileCard
          api={api}
          userId={profileOf}
          isMe={profileOf === state.me.id}
          onMessage={async (username) => navigate((await controller.openDirect(username)).id)}
          onClose={() => setProfileOf(undefined)}
        />
      )}
      {dialog === 'create' && (
        <CreateRoomDialog
          onCreate={(name, visibility) => controller.createRoom(name, visibility)}
          onClose={closeDialog}
          onCreated={(room) => openRoom(room.id)}
        />
      )}
      {dialog === 'browse' && (
        <BrowseRoomsDialog
          loadRooms={loadPublicRooms}
          onJoin={(roomId) => controller.joinRoom(roomId)}
          onClose={closeDialog}
          onJoined={(room) => openRoom(room.id)}
        />
      )}
      {dialog === 'direct' && (
        <UsernameDialog
          title="New direct message"
          submitLabel="Start conversation"
          description="Talk one to one with someone by their username."
          onSubmit={async (username) => openRoom((await controller.openDirect(username)).id)}
          onClose={closeDialog}
          onDone={closeDialog}
        />
      )}
      {dialog === 'search' && (
        <SearchDialog
          search={controller.search}
          rooms={state.rooms}
          onClose={closeDialog}
          onOpen={(result) => {
            setDialog(undefined);
            window.location.hash = messageHref(result.message);
          }}
        />
      )}
      {dialog === 'members' && activeRoom && <MembersDialog api={api} room={activeRoom} me={state.me} onClose={closeDialog} />}
      {dialog === 'settings' && activeRoom && <RoomSettingsDialog api={api} room={activeRoom} me={state.me} onClose={closeDialog} />}
      {dialog === 'leave' && activeRoom && (
        <LeaveDialog
          api={api}
          room={activeRoom}
          me={state.me}
          onClose={closeDialog}
          onLeave={async () => {
            await controller.leaveRoom(activeRoom.id);
            closeDialog();
            navigate(undefined);
          }}
        />
      )}
      {dialog === 'invite' && activeRoom && (
        <UsernameDialog
          title={`Invite to # ${activeRoom.name}`}
          submitLabel="Invite"
          description="They will see the room in their list at once."
          onSubmit={(username) => controller.invite(activeRoom.id, username)}
          onClose={closeDialog}
          onDone={closeDialog}
        />
      )}
    </div>
    </MentionContext.Provider>
  );
}

/**
 * A permalink (`#/room/<id>?message=<id>`, a reply's with `&thread=<parent>`): loads the room's history
 * around the message (for a reply, its thread's parent), then names the message to flash.
 */
function usePermalink(controller: ChatController, route: HashRoute): (HashRoute & { roomId: string; messageId: string }) | undefined {
  const [focus, setFocus] = useState<HashRoute & { roomId: string; messageId: string }>();
  const { roomId, messageId, threadId } = route;
  useEffect(() => {
    setFocus(undefined);
    if (!roomId || !messageId) return;
    let current = true;
    void controller.jumpTo(roomId, threadId ?? messageId).then((found) => current && found && setFocus({ roomId, messageId, threadId }));
    return () => void (current = false);
  }, [controller, roomId, messageId, threadId]);
  return focus;
}
